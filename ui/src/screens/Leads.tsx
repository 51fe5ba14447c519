import { useEffect, useMemo, useState } from "react";
import { AmountEcho } from "../components/AmountEcho";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import {
  DndContext,
  KeyboardSensor,
  PointerSensor,
  useDraggable,
  useDroppable,
  useSensor,
  useSensors,
  type DragEndEvent,
} from "@dnd-kit/core";
import type { ColumnDef } from "@tanstack/react-table";
import { api } from "../lib/api";
import type { Lead } from "../lib/bindings/Lead";
import type { LeadStatus } from "../lib/bindings/LeadStatus";
import { LEAD_STATUSES } from "../lib/enums";
import { date, dateTime, label, money, plainAmount, ruleLabel, useCurrency } from "../lib/format";
import { fieldError, formError, useAction, useDebounced, useLoad } from "../lib/hooks";
import { Badge, DataTable, Empty, Field, FormError, Modal, Pager } from "../components/ui";
import { NEW_ITEM_EVENT } from "../components/Layout";
import { Tasks } from "../components/Tasks";
import { NewLeadForm } from "./leads/NewLeadForm";

export { LEAD_STATUSES };
const BOARD_LIMIT = 30;
const TABLE_LIMIT = 50;

/** The next column of the board (what → does on a card). */
function next(s: LeadStatus): LeadStatus | null {
  const i = LEAD_STATUSES.indexOf(s);
  return s === "negotiating" ? "closed_won" : i >= 0 && i < 3 ? LEAD_STATUSES[i + 1] : null;
}

/** Moves a lead; a win first asks for the project value. */
function useMover() {
  const [winning, setWinning] = useState<Lead | null>(null);
  const act = useAction();
  const move = async (lead: Lead, to: LeadStatus) => {
    if (lead.status === to) return;
    if (to === "closed_won") {
      setWinning(lead);
      return;
    }
    await act.run(() => api.leadMove(lead.id, to, null));
  };
  return { winning, setWinning, move, error: act.error, clear: () => act.setError(null) };
}

export function LeadsScreen() {
  const { id } = useParams();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const view = params.get("view") === "table" ? "table" : "board";
  const partner = params.get("partner");
  const [search, setSearch] = useState("");
  const q = useDebounced(search.trim(), 200);
  const [adding, setAdding] = useState<string | null>(params.get("new") !== null ? params.get("new") || "" : null);
  const mover = useMover();

  useEffect(() => {
    const onNew = () => setAdding("");
    window.addEventListener(NEW_ITEM_EVENT, onNew);
    return () => window.removeEventListener(NEW_ITEM_EVENT, onNew);
  }, []);

  const setView = (v: string) => {
    const p = new URLSearchParams(params);
    p.set("view", v);
    setParams(p);
  };

  return (
    <section className="screen" data-screen="leads">
      <header className="screen-head">
        <h1>Leads</h1>
        <div className="toolbar">
          <div className="segmented" role="group" aria-label="View">
            <button className={view === "board" ? "on" : ""} onClick={() => setView("board")}>
              Board
            </button>
            <button className={view === "table" ? "on" : ""} onClick={() => setView("table")}>
              Table
            </button>
          </div>
          <input
            type="search"
            data-search
            placeholder="Search client, e-mail, business (/)"
            title="Finds leads with words that start with what you type"
            aria-label="Search leads"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          {partner && (
            <button className="chip" onClick={() => setParams({ view })} title="Show every partner's leads">
              One partner ✕
            </button>
          )}
          <button className="primary" onClick={() => setAdding("")} title="New lead (n)">
            New lead
          </button>
        </div>
      </header>
      {mover.error && (
        <div className="banner error" role="alert">
          {mover.error.message}
        </div>
      )}
      {view === "board" ? <Board q={q} partner={partner} onMove={mover.move} /> : <LeadTable q={q} partner={partner} />}
      {id && <LeadPanel id={id} onMove={mover.move} onClose={() => navigate(`/leads?view=${view}`)} />}
      {adding !== null && <NewLeadForm partnerId={adding} onClose={() => setAdding(null)} />}
      {mover.winning && (
        <WinDialog
          lead={mover.winning}
          onClose={() => mover.setWinning(null)}
          onWon={() => {
            mover.setWinning(null);
          }}
        />
      )}
    </section>
  );
}

function Board(props: { q: string; partner: string | null; onMove: (l: Lead, to: LeadStatus) => void }) {
  const { q, partner } = props;
  const cols = useLoad(
    () =>
      Promise.all(
        LEAD_STATUSES.map((status) =>
          api.leads({ status, partner_id: partner, search: q || null, limit: BOARD_LIMIT, offset: 0 }),
        ),
      ),
    [q, partner],
    ["leads"],
  );
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor),
  );
  const onDragEnd = (e: DragEndEvent) => {
    const lead = e.active.data.current?.lead as Lead | undefined;
    const to = e.over?.id as LeadStatus | undefined;
    if (lead && to && to !== lead.status) props.onMove(lead, to);
  };
  if (cols.error) return <div className="banner error">{cols.error.message}</div>;
  if (!cols.data) return <p className="muted">Loading…</p>;
  const none = cols.data.every((p) => p.total === 0);
  if (none)
    return q || partner ? (
      <Empty title="No lead matches.">Clear the search to see the whole pipeline.</Empty>
    ) : (
      <Empty title="No lead yet.">
        Add the first one with <strong>New lead</strong> (key <kbd>n</kbd>): pick the partner who referred the client.
      </Empty>
    );
  return (
    <DndContext sensors={sensors} onDragEnd={onDragEnd}>
      <div className="board" aria-label="Pipeline board">
        {LEAD_STATUSES.map((s, i) => (
          <Column key={s} status={s} leads={cols.data![i].items} total={cols.data![i].total} onMove={props.onMove} />
        ))}
      </div>
      <p className="muted small">
        Drag a card to another column, or focus a card and press <kbd>→</kbd> to move it to the next stage (or use its
        menu).
      </p>
    </DndContext>
  );
}

function Column(props: {
  status: LeadStatus;
  leads: Lead[];
  total: number;
  onMove: (l: Lead, to: LeadStatus) => void;
}) {
  const { setNodeRef, isOver } = useDroppable({ id: props.status });
  const cur = useCurrency();
  const sum = props.leads.reduce((a, l) => a + l.estimated_value, 0);
  return (
    <div ref={setNodeRef} className={isOver ? "column over" : "column"} data-column={props.status}>
      <header>
        <span>{label(props.status)}</span>
        <span className="count" data-count={props.status}>
          {props.total.toLocaleString()}
        </span>
      </header>
      <div className="muted small">{money(sum, cur)} shown</div>
      {props.leads.map((l) => (
        <Card key={l.id} lead={l} onMove={props.onMove} />
      ))}
      {props.total > props.leads.length && (
        <div className="muted small">
          + {(props.total - props.leads.length).toLocaleString()} more (search, or use the table view)
        </div>
      )}
    </div>
  );
}

function Card(props: { lead: Lead; onMove: (l: Lead, to: LeadStatus) => void }) {
  const { lead } = props;
  const cur = useCurrency();
  const navigate = useNavigate();
  const { attributes, listeners, setNodeRef, transform, isDragging } = useDraggable({ id: lead.id, data: { lead } });
  const style = transform ? { transform: `translate(${transform.x}px, ${transform.y}px)` } : undefined;
  const n = next(lead.status);
  return (
    <div
      ref={setNodeRef}
      style={style}
      className={isDragging ? "lead-card dragging" : "lead-card"}
      data-lead={lead.id}
      data-client={lead.client_name}
      {...attributes}
      {...listeners}
      onKeyDown={(e) => {
        if (e.key === "ArrowRight" && n) {
          e.preventDefault();
          props.onMove(lead, n);
        } else if (e.key === "Enter") {
          navigate(`/leads/${lead.id}`);
        } else {
          listeners?.onKeyDown?.(e);
        }
      }}
      aria-label={`${lead.client_name}, ${label(lead.status)}`}
    >
      <div className="lead-title">
        <Link to={`/leads/${lead.id}`} onPointerDown={(e) => e.stopPropagation()}>
          {lead.client_name}
        </Link>
        {lead.possible_duplicate_of && (
          <span className="warn-dot" title="Likely duplicate of another lead">
            ⚠
          </span>
        )}
      </div>
      <div className="muted small">{lead.business_name ?? lead.client_email}</div>
      <div className="lead-foot">
        <span>{money(lead.estimated_value, cur)}</span>
        <select
          aria-label={`Move ${lead.client_name}`}
          value=""
          onPointerDown={(e) => e.stopPropagation()}
          onKeyDown={(e) => e.stopPropagation()}
          onChange={(e) => e.target.value && props.onMove(lead, e.target.value as LeadStatus)}
        >
          <option value="">Move…</option>
          {LEAD_STATUSES.filter((s) => s !== lead.status).map((s) => (
            <option key={s} value={s}>
              {label(s)}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}

function LeadTable(props: { q: string; partner: string | null }) {
  const [status, setStatus] = useState<LeadStatus | "">("");
  const [offset, setOffset] = useState(0);
  const cur = useCurrency();
  const list = useLoad(
    async () => {
      const page = await api.leads({
        status: status || null,
        partner_id: props.partner,
        search: props.q || null,
        limit: TABLE_LIMIT,
        offset,
      });
      const names = await api.partnerNames([...new Set(page.items.map((l) => l.partner_id))]);
      return { page, names: new Map(names.map((n) => [n.id, n.name])) };
    },
    [status, props.q, props.partner, offset],
    ["leads"],
  );
  const columns = useMemo<ColumnDef<Lead, unknown>[]>(
    () => [
      {
        header: "Client",
        cell: ({ row }) => <Link to={`/leads/${row.original.id}?view=table`}>{row.original.client_name}</Link>,
      },
      { header: "Business", cell: ({ row }) => row.original.business_name ?? "" },
      {
        header: "Partner",
        cell: ({ row }) => (
          <Link to={`/partners/${row.original.partner_id}`}>
            {list.data?.names.get(row.original.partner_id) ?? "…"}
          </Link>
        ),
      },
      { header: "Status", cell: ({ row }) => <Badge value={row.original.status} /> },
      {
        header: "Estimated",
        cell: ({ row }) => <span className="num">{money(row.original.estimated_value, cur)}</span>,
      },
      { header: "Created", cell: ({ row }) => date(row.original.created_at) },
      { header: "Updated", cell: ({ row }) => date(row.original.updated_at) },
    ],
    [cur, list.data],
  );
  return (
    <>
      <div className="toolbar">
        <select
          aria-label="Status filter"
          value={status}
          onChange={(e) => {
            setStatus(e.target.value as LeadStatus | "");
            setOffset(0);
          }}
        >
          <option value="">All statuses</option>
          {LEAD_STATUSES.map((s) => (
            <option key={s} value={s}>
              {label(s)}
            </option>
          ))}
        </select>
        <span className="muted" data-order>
          {props.q ? "Newest added first" : status ? "Most recently updated first" : "Newest first"}
        </span>
      </div>
      {list.error && <div className="banner error">{list.error.message}</div>}
      {list.data && list.data.page.items.length === 0 ? (
        <Empty title="No lead matches.">
          {props.q
            ? 'Search finds words that start with what you type ("harb" finds Harbor, not Bharbor). Change the search or the filters.'
            : "Change the filters, or add a lead with New lead (key n)."}
        </Empty>
      ) : (
        list.data && (
          <>
            <DataTable label="Leads" data={list.data.page.items} columns={columns} rowId={(l) => l.id} />
            <Pager total={list.data.page.total} limit={TABLE_LIMIT} offset={offset} onOffset={setOffset} />
          </>
        )
      )}
    </>
  );
}

function LeadPanel(props: { id: string; onMove: (l: Lead, to: LeadStatus) => void; onClose: () => void }) {
  const d = useLoad(() => api.lead(props.id), [props.id], ["leads", "commissions"]);
  const cur = useCurrency();
  return (
    <Modal title={d.data ? d.data.lead.client_name : "Lead"} onClose={props.onClose} wide>
      {d.error && <div className="banner error">{d.error.message}</div>}
      {d.data && (
        <div data-detail="lead">
          <dl className="props">
            <dt>Partner</dt>
            <dd>
              <Link to={`/partners/${d.data.lead.partner_id}`}>{d.data.partner_name}</Link>
            </dd>
            <dt>E-mail</dt>
            <dd>{d.data.lead.client_email}</dd>
            <dt>Business</dt>
            <dd>{d.data.lead.business_name ?? "—"}</dd>
            <dt>Project</dt>
            <dd>{d.data.lead.project_description ?? "—"}</dd>
            <dt>Estimated value</dt>
            <dd>{money(d.data.lead.estimated_value, cur)}</dd>
            <dt>Status</dt>
            <dd>
              <Badge value={d.data.lead.status} />{" "}
              <select
                aria-label="Move lead"
                value=""
                onChange={(e) => e.target.value && props.onMove(d.data!.lead, e.target.value as LeadStatus)}
              >
                <option value="">Move to…</option>
                {LEAD_STATUSES.filter((s) => s !== d.data!.lead.status).map((s) => (
                  <option key={s} value={s}>
                    {label(s)}
                  </option>
                ))}
              </select>
            </dd>
          </dl>
          <Tasks record={d.data.lead.id} title="Tasks" />
          <h3>Pipeline history</h3>
          <ul className="list">
            {d.data.history.map((m, i) => (
              <li key={i}>
                <span className="muted">{dateTime(m.at)}</span> {m.from_status ? label(m.from_status) : "New"} →{" "}
                {label(m.to_status)}
                {m.reopen && <Badge value="reopen" />}
              </li>
            ))}
          </ul>
          <h3>Commissions</h3>
          {d.data.commissions.length === 0 ? (
            <p className="muted">None: closing the lead as won creates one.</p>
          ) : (
            <ul className="list">
              {d.data.commissions.map((c) => (
                <li key={c.id}>
                  {money(c.commission_amount, cur)} on {money(c.project_value, cur)} <Badge value={c.status} />{" "}
                  <span className="muted" data-rule={c.rule.kind}>
                    {ruleLabel(c.rule)}
                    {c.accrual_month ? ` · ${c.accrual_month}` : ""}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </Modal>
  );
}

function WinDialog(props: { lead: Lead; onClose: () => void; onWon: () => void }) {
  const [value, setValue] = useState(plainAmount(props.lead.estimated_value));
  const [monthly, setMonthly] = useState("");
  const [months, setMonths] = useState("12");
  const act = useAction();
  const cur = useCurrency();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await act.run(async () => {
      const cents = await api.amountParse("project_value", value);
      if (!monthly.trim()) return api.leadMove(props.lead.id, "closed_won", cents);
      const retainer = { monthly: await api.amountParse("monthly", monthly), months: Number(months) };
      return api.leadWin(props.lead.id, cents, retainer);
    });
    if (r) props.onWon();
  };
  return (
    <Modal title={`Close ${props.lead.client_name} as won`} onClose={props.onClose}>
      <form className="form" onSubmit={submit} data-form="win">
        <Field
          label={`Project value (${cur})`}
          name="project_value"
          error={fieldError(act.error, "project_value")}
          hint="The commission is this value times the rate the partner's rules give (override, group or default tier)."
        >
          <input name="project_value" value={value} onChange={(e) => setValue(e.target.value)} inputMode="decimal" />
          <AmountEcho field="project_value" text={value} />
        </Field>
        <Field
          label={`Monthly retainer (${cur}, optional)`}
          name="monthly"
          error={fieldError(act.error, "monthly")}
          hint="A commission accrues for each month that passes, up to the term and the group's limit."
        >
          <input name="monthly" value={monthly} onChange={(e) => setMonthly(e.target.value)} inputMode="decimal" />
        </Field>
        {monthly.trim() && (
          <Field label="Months" name="months" error={fieldError(act.error, "months")}>
            <input name="months" value={months} onChange={(e) => setMonths(e.target.value)} inputMode="numeric" />
          </Field>
        )}
        <FormError message={formError(act.error, ["project_value", "monthly", "months"])} />
        <div className="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button className="primary" type="submit" disabled={act.busy}>
            Close as won
          </button>
        </div>
      </form>
    </Modal>
  );
}
