import { useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import type { ColumnDef, RowSelectionState } from "@tanstack/react-table";
import { api } from "../lib/api";
import type { Commission } from "../lib/bindings/Commission";
import type { CommissionStatus } from "../lib/bindings/CommissionStatus";
import type { Partner } from "../lib/bindings/Partner";
import type { PartnerToPay } from "../lib/bindings/PartnerToPay";
import type { Payout } from "../lib/bindings/Payout";
import { COMMISSION_STATUSES as STATUSES } from "../lib/enums";
import { date, label, money, percent, ruleLabel, useCurrency } from "../lib/format";
import { useAction, useLoad } from "../lib/hooks";
import { Badge, DataTable, Empty, Modal, Pager, selectColumn } from "../components/ui";
import { PartnerPicker } from "../components/PartnerPicker";

const LIMIT = 50;

export function CommissionsScreen() {
  const [params, setParams] = useSearchParams();
  const cur = useCurrency();
  const status = (params.get("status") as CommissionStatus | null) || null;
  const partnerId = params.get("partner");
  const [offset, setOffset] = useState(0);
  const [selection, setSelection] = useState<RowSelectionState>({});
  const [paying, setPaying] = useState<string[] | null>(params.get("pay") ? [params.get("pay")!] : null);
  const act = useAction();

  const list = useLoad(
    async () => {
      const page = await api.commissions({ status, partner_id: partnerId, limit: LIMIT, offset });
      const names = await api.partnerNames([...new Set(page.items.map((c) => c.partner_id))]);
      return { page, names: new Map(names.map((n) => [n.id, n.name])) };
    },
    [status, partnerId, offset],
    ["commissions"],
  );
  const partner = useLoad(
    () => (partnerId ? api.partner(partnerId).then((d) => d.partner) : Promise.resolve(null)),
    [partnerId],
  );
  const toPay = useLoad(() => api.partnersToPay(null, 20, 0), [], ["commissions"]);

  const setFilter = (k: string, v: string | null) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    p.delete("pay");
    setOffset(0);
    setSelection({});
    setParams(p);
  };
  // After an approval or a payout the rows reload (by tag); what was selected is gone.
  const clearSelection = () => setSelection({});

  const columns = useMemo<ColumnDef<Commission, unknown>[]>(
    () => [
      selectColumn<Commission>(),
      { header: "Created", cell: ({ row }) => date(row.original.created_at) },
      {
        header: "Partner",
        cell: ({ row }) => (
          <Link to={`/partners/${row.original.partner_id}`}>
            {list.data?.names.get(row.original.partner_id) ?? "…"}
          </Link>
        ),
      },
      {
        header: "Lead",
        cell: ({ row }) => {
          const lead = row.original.client_lead_id;
          return lead ? <Link to={`/leads/${lead}`}>open</Link> : (row.original.reason ?? "—");
        },
      },
      { header: "Kind", cell: ({ row }) => row.original.kind },
      { header: "Rule", cell: ({ row }) => ruleLabel(row.original.rule) },
      {
        header: "Project value",
        cell: ({ row }) => <span className="num">{money(row.original.project_value, cur)}</span>,
      },
      { header: "Rate", cell: ({ row }) => <span className="num">{percent(row.original.commission_rate)}</span> },
      {
        header: "Amount",
        cell: ({ row }) => (
          <span className="num" data-amount>
            {money(row.original.commission_amount, cur)}
          </span>
        ),
      },
      { header: "Status", cell: ({ row }) => <Badge value={row.original.status} /> },
      { header: "Paid", cell: ({ row }) => date(row.original.paid_at) },
    ],
    [cur, list.data],
  );
  const selected = Object.keys(selection).filter((k) => selection[k]);
  const selectedRows = list.data?.page.items.filter((c) => selection[c.id]) ?? [];
  const selectedTotal = selectedRows.reduce((a, c) => a + c.commission_amount, 0);

  return (
    <section className="screen" data-screen="commissions">
      <header className="screen-head">
        <h1>Commissions</h1>
        <div className="toolbar">
          <select
            aria-label="Status"
            value={status ?? ""}
            onChange={(e) => setFilter("status", e.target.value || null)}
          >
            <option value="">All statuses</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
          <div className="partner-filter">
            {partner.data ? (
              <button className="chip" onClick={() => setFilter("partner", null)} title="Show every partner">
                {partner.data.name} ✕
              </button>
            ) : (
              <PartnerPicker value={null} onChange={(p: Partner | null) => setFilter("partner", p?.id ?? null)} />
            )}
          </div>
        </div>
      </header>
      <div className="bulkbar">
        <span>
          {selected.length} selected · {money(selectedTotal, cur)}
        </span>
        <button
          className="primary"
          disabled={selected.length === 0 || act.busy}
          onClick={async () => (await act.run(() => api.commissionsApprove(selected))) && clearSelection()}
        >
          Approve selected
        </button>
        {act.error && (
          <span className="inline-error" role="alert">
            {act.error.message}
          </span>
        )}
      </div>
      {list.error && <div className="banner error">{list.error.message}</div>}
      {list.data && list.data.page.items.length === 0 ? (
        <Empty title={status || partnerId ? "No commission matches." : "No commission yet."}>
          A pending commission is created when a lead closes as won: move a lead to <Link to="/leads">Closed won</Link>.
        </Empty>
      ) : (
        list.data && (
          <>
            <DataTable
              label="Commissions"
              data={list.data.page.items}
              columns={columns}
              rowId={(c) => c.id}
              selection={selection}
              onSelectionChange={setSelection}
            />
            <Pager
              total={list.data.page.total}
              limit={LIMIT}
              offset={offset}
              onOffset={(o) => (setSelection({}), setOffset(o))}
            />
          </>
        )
      )}
      <PayoutPanel toPay={toPay.data?.items ?? []} total={toPay.data?.total ?? 0} onPay={(ids) => setPaying(ids)} />
      {paying && (
        <PayoutDialog
          partnerIds={paying}
          onClose={() => setPaying(null)}
          onPaid={() => {
            clearSelection();
          }}
        />
      )}
    </section>
  );
}

function PayoutPanel(props: { toPay: PartnerToPay[]; total: number; onPay: (ids: string[]) => void }) {
  const [chosen, setChosen] = useState<Record<string, boolean>>({});
  const cur = useCurrency();
  const ids = props.toPay.filter((p) => chosen[p.partner_id]).map((p) => p.partner_id);
  return (
    <div className="card" data-panel="payout">
      <h3>
        Payout <span className="count">{props.total} partners with approved commissions</span>
      </h3>
      {props.toPay.length === 0 ? (
        <Empty title="Nothing approved to pay.">
          Approve pending commissions above; they can then be paid here in one batch.
        </Empty>
      ) : (
        <>
          <ul className="list">
            {props.toPay.map((p) => (
              <li key={p.partner_id}>
                <label>
                  <input
                    type="checkbox"
                    aria-label={`Pay ${p.partner_name}`}
                    checked={!!chosen[p.partner_id]}
                    onChange={(e) => setChosen({ ...chosen, [p.partner_id]: e.target.checked })}
                  />{" "}
                  {p.partner_name}
                </label>
                <span className="muted"> {p.commission_count} approved</span>
                <span className="right num">{money(p.amount, cur)}</span>
              </li>
            ))}
          </ul>
          <button className="primary" disabled={ids.length === 0} onClick={() => props.onPay(ids)}>
            Pay chosen partners…
          </button>
        </>
      )}
    </div>
  );
}

function PayoutDialog(props: { partnerIds: string[]; onClose: () => void; onPaid: () => void }) {
  const preview = useLoad(() => api.partnersToPay(props.partnerIds, 500, 0), [props.partnerIds]);
  const act = useAction();
  const [done, setDone] = useState<Payout | null>(null);
  const cur = useCurrency();
  const total = preview.data?.items.reduce((a, p) => a + p.amount, 0) ?? 0;
  const count = preview.data?.items.reduce((a, p) => a + p.commission_count, 0) ?? 0;
  return (
    <Modal title={done ? "Payout done" : "Confirm payout"} onClose={props.onClose}>
      {done ? (
        <div data-payout="done">
          <p>
            Paid {done.commission_count} commissions, {money(done.total_amount, done.currency)} in all, to{" "}
            {done.lines.length} partners.
          </p>
          <div className="buttons">
            <button className="primary" onClick={props.onClose}>
              Close
            </button>
          </div>
        </div>
      ) : (
        <div data-payout="confirm">
          {preview.data && preview.data.items.length === 0 && <p>These partners have no approved commission to pay.</p>}
          <table className="table">
            <tbody>
              {preview.data?.items.map((p) => (
                <tr key={p.partner_id}>
                  <td>{p.partner_name}</td>
                  <td className="num">{p.commission_count}</td>
                  <td className="num">{money(p.amount, cur)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th>Total</th>
                <th className="num">{count}</th>
                <th className="num" data-payout-total>
                  {money(total, cur)}
                </th>
              </tr>
            </tfoot>
          </table>
          {act.error && (
            <div className="banner error" role="alert">
              {act.error.message}
            </div>
          )}
          <div className="buttons">
            <button onClick={props.onClose}>Cancel</button>
            <button
              className="primary"
              disabled={act.busy || count === 0}
              onClick={async () => {
                const r = await act.run(() => api.payout(props.partnerIds));
                if (r) {
                  setDone(r);
                  props.onPaid();
                }
              }}
            >
              Pay {money(total, cur)}
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}
