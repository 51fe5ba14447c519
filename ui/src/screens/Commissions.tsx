import { useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import type { ColumnDef, RowSelectionState } from "@tanstack/react-table";
import { api, payoutsApi } from "../lib/api";
import type { Commission } from "../lib/bindings/Commission";
import type { CommissionStatus } from "../lib/bindings/CommissionStatus";
import type { Partner } from "../lib/bindings/Partner";
import type { PartnerToPay } from "../lib/bindings/PartnerToPay";
import { COMMISSION_STATUSES as STATUSES } from "../lib/enums";
import { date, label, money, percent, ruleLabel, useCurrency } from "../lib/format";
import { useAction, useLoad } from "../lib/hooks";
import { Badge, DataTable, Empty, Pager, selectColumn } from "../components/ui";
import { PartnerPicker } from "../components/PartnerPicker";
import { PayoutRunDialog } from "./payouts/PayoutRun";

const LIMIT = 50;

export function CommissionsScreen() {
  const [params, setParams] = useSearchParams();
  const cur = useCurrency();
  const status = (params.get("status") as CommissionStatus | null) || null;
  const partnerId = params.get("partner");
  const [offset, setOffset] = useState(0);
  const [selection, setSelection] = useState<RowSelectionState>({});
  const [paying, setPaying] = useState<string[] | null>(
    params.get("pay") ? [params.get("pay")!] : params.get("run") ? [] : null,
  );
  const act = useAction();

  const list = useLoad(
    async () => {
      const page = await api.commissions({ status, partner_id: partnerId, limit: LIMIT, offset });
      const names = await api.partnerNames([...new Set(page.items.map((c) => c.partner_id))]);
      const pending = page.items.filter((c) => c.status === "pending").map((c) => c.id);
      const releases = pending.length > 0 ? await payoutsApi.releaseDates(pending) : [];
      return {
        page,
        names: new Map(names.map((n) => [n.id, n.name])),
        releases: new Map(releases.map((r) => [r.commission_id, r.release_at])),
      };
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
      {
        header: "Release",
        cell: ({ row }) => {
          if (row.original.status !== "pending") return "";
          const at = list.data?.releases.get(row.original.id);
          return at ? (
            <span data-release={at} title="Approved by the hold of the partner's group on this day">
              {date(at)}
            </span>
          ) : (
            <span className="muted" title="This group approves by hand (hold 0)">
              by hand
            </span>
          );
        },
      },
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
        <PayoutRunDialog
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
          <div className="buttons">
            <button className="primary" disabled={ids.length === 0} onClick={() => props.onPay(ids)}>
              Pay chosen partners…
            </button>
            <button data-action="payout-run" onClick={() => props.onPay([])}>
              Payout run: every eligible partner…
            </button>
          </div>
        </>
      )}
    </div>
  );
}
