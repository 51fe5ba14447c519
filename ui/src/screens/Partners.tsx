import { useMemo, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import type { ColumnDef, SortingState } from "@tanstack/react-table";
import { api } from "../lib/api";
import type { Partner } from "../lib/bindings/Partner";
import type { PartnerSort } from "../lib/bindings/PartnerSort";
import type { PartnerStatus } from "../lib/bindings/PartnerStatus";
import type { Tier } from "../lib/bindings/Tier";
import { PARTNER_STATUSES, TIERS } from "../lib/enums";
import { date, label, money, useCurrency } from "../lib/format";
import { useDebounced, useLoad } from "../lib/hooks";
import { Badge, DataTable, Empty, Pager } from "../components/ui";

const LIMIT = 50;
export { PARTNER_STATUSES, TIERS };

export function PartnersScreen() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const cur = useCurrency();
  const tier = (params.get("tier") as Tier | null) || null;
  const status = (params.get("status") as PartnerStatus | null) || null;
  const group = params.get("group") || null;
  const groups = useLoad(() => api.groups(), [], ["settings"]);
  const [search, setSearch] = useState(params.get("q") ?? "");
  const q = useDebounced(search.trim(), 200);
  const [sorting, setSorting] = useState<SortingState>([{ id: "name", desc: false }]);
  const [offset, setOffset] = useState(0);
  const sort = (sorting[0]?.id ?? "name") as PartnerSort;
  const desc = sorting[0]?.desc ?? false;

  const list = useLoad(
    () =>
      api.partners({ tier, status, group_id: group ?? undefined, search: q || null, sort, desc, limit: LIMIT, offset }),
    [tier, status, group, q, sort, desc, offset],
    ["partners"],
  );
  const setFilter = (k: string, v: string) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    setOffset(0);
    setParams(p);
  };

  const columns = useMemo<ColumnDef<Partner, unknown>[]>(() => {
    const groupName = new Map(groups.data?.map((g) => [g.group.id, g.group.name]) ?? []);
    return [
      {
        id: "name",
        header: "Name",
        cell: ({ row }) => <Link to={`/partners/${row.original.id}`}>{row.original.name}</Link>,
      },
      { id: "email", header: "E-mail", cell: ({ row }) => row.original.email },
      { id: "company", header: "Company", cell: ({ row }) => row.original.company ?? "" },
      { id: "tier", header: "Tier", cell: ({ row }) => <Badge value={row.original.tier} /> },
      { id: "status", header: "Status", cell: ({ row }) => <Badge value={row.original.status} /> },
      { id: "group", header: "Group", cell: ({ row }) => groupName.get(row.original.group_id) ?? "" },
      { id: "deals", header: "Deals", cell: ({ row }) => <span className="num">{row.original.total_deals}</span> },
      {
        id: "earnings",
        header: "Earnings",
        cell: ({ row }) => <span className="num">{money(row.original.total_earnings, cur)}</span>,
      },
      { id: "created", header: "Since", cell: ({ row }) => date(row.original.created_at) },
    ];
  }, [cur, groups.data]);

  return (
    <section className="screen" data-screen="partners">
      <header className="screen-head">
        <h1>Partners</h1>
        <div className="toolbar">
          <input
            type="search"
            data-search
            placeholder="Search name, e-mail, company (/)"
            title="Finds partners with words that start with what you type"
            aria-label="Search partners"
            value={search}
            onChange={(e) => {
              setSearch(e.target.value);
              setOffset(0);
            }}
          />
          <select aria-label="Tier" value={tier ?? ""} onChange={(e) => setFilter("tier", e.target.value)}>
            <option value="">All tiers</option>
            {TIERS.map((t) => (
              <option key={t} value={t}>
                {label(t)}
              </option>
            ))}
          </select>
          <select aria-label="Status" value={status ?? ""} onChange={(e) => setFilter("status", e.target.value)}>
            <option value="">All statuses</option>
            {PARTNER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
          <select aria-label="Group" value={group ?? ""} onChange={(e) => setFilter("group", e.target.value)}>
            <option value="">All groups</option>
            {groups.data?.map((g) => (
              <option key={g.group.id} value={g.group.id}>
                {g.group.name}
              </option>
            ))}
          </select>
        </div>
      </header>
      {list.error && <div className="banner error">{list.error.message}</div>}
      {list.data && list.data.items.length === 0 ? (
        q || tier || status || group ? (
          <Empty title="No partner matches.">Clear the search or the filters to see every partner.</Empty>
        ) : (
          <Empty title="No partner yet.">
            Partners come from approved applications: open <Link to="/applications">Applications</Link> to add and
            approve one.
          </Empty>
        )
      ) : (
        list.data && (
          <>
            <DataTable
              label="Partners"
              data={list.data.items}
              columns={columns}
              rowId={(p) => p.id}
              sorting={sorting}
              onSortingChange={(s) => {
                setSorting(s);
                setOffset(0);
              }}
              onRowOpen={(p) => navigate(`/partners/${p.id}`)}
            />
            <Pager total={list.data.total} limit={LIMIT} offset={offset} onOffset={setOffset} />
          </>
        )
      )}
    </section>
  );
}
