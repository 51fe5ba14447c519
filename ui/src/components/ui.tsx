import { useEffect, useEffectEvent, useRef, type ReactNode } from "react";
import {
  flexRender,
  getCoreRowModel,
  useReactTable,
  type ColumnDef,
  type RowSelectionState,
  type OnChangeFn,
  type SortingState,
} from "@tanstack/react-table";

export function Modal(props: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const onKey = useEffectEvent((e: KeyboardEvent) => e.key === "Escape" && props.onClose());
  // Once, when the dialog opens: focus its first field, and close on Escape.
  useEffect(() => {
    const first = ref.current?.querySelector<HTMLElement>("input, select, textarea, button.primary");
    first?.focus();
    const listener = (e: KeyboardEvent) => onKey(e);
    window.addEventListener("keydown", listener);
    return () => window.removeEventListener("keydown", listener);
  }, []);
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && props.onClose()}>
      <div
        className={props.wide ? "modal wide" : "modal"}
        role="dialog"
        aria-modal="true"
        aria-label={props.title}
        ref={ref}
      >
        <header>
          <h2>{props.title}</h2>
          <button className="link" onClick={props.onClose} aria-label="Close">
            ✕
          </button>
        </header>
        {props.children}
      </div>
    </div>
  );
}

/** A labelled input with the core's message for this field under it. */
export function Field(props: {
  label: string;
  name: string;
  error: string | null;
  children: ReactNode;
  hint?: string;
  group?: boolean;
}) {
  // A picker (input plus a list of buttons) is a group, not one labelled control.
  const Tag = props.group ? "div" : "label";
  return (
    <Tag className={props.error ? "field invalid" : "field"} data-field={props.name}>
      <span className="field-label">{props.label}</span>
      {props.children}
      {props.error ? (
        <span className="field-error" role="alert" data-error-for={props.name}>
          {props.error}
        </span>
      ) : props.hint ? (
        <span className="field-hint">{props.hint}</span>
      ) : null}
    </Tag>
  );
}

export function FormError(props: { message: string | null }) {
  return props.message ? (
    <div className="banner error" role="alert">
      {props.message}
    </div>
  ) : null;
}

export function Empty(props: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{props.title}</strong>
      {props.children && <div>{props.children}</div>}
    </div>
  );
}

export function Badge(props: { value: string }) {
  return <span className={`badge b-${props.value}`}>{props.value.replace(/_/g, " ")}</span>;
}

export function Pager(props: { total: number; limit: number; offset: number; onOffset: (o: number) => void }) {
  const { total, limit, offset } = props;
  if (total <= limit && offset === 0) return <div className="pager muted">{total} in all</div>;
  const last = Math.max(0, Math.floor((total - 1) / limit) * limit);
  return (
    <div className="pager">
      <button disabled={offset === 0} onClick={() => props.onOffset(0)}>
        « First
      </button>
      <button disabled={offset === 0} onClick={() => props.onOffset(Math.max(0, offset - limit))}>
        ‹ Previous
      </button>
      <span>
        {total === 0 ? 0 : offset + 1}–{Math.min(offset + limit, total)} of {total.toLocaleString()}
      </span>
      <button disabled={offset + limit >= total} onClick={() => props.onOffset(offset + limit)}>
        Next ›
      </button>
      <button disabled={offset >= last} onClick={() => props.onOffset(last)}>
        Last »
      </button>
    </div>
  );
}

/**
 * A table over one page of rows (TanStack Table, headless): the server sorts
 * and pages (manualSorting), this renders, with optional row selection.
 */
export function DataTable<T>(props: {
  data: T[];
  columns: ColumnDef<T, unknown>[];
  rowId: (row: T) => string;
  sorting?: SortingState;
  onSortingChange?: OnChangeFn<SortingState>;
  selection?: RowSelectionState;
  onSelectionChange?: OnChangeFn<RowSelectionState>;
  onRowOpen?: (row: T) => void;
  label: string;
}) {
  // The rule is about the React Compiler, which this build does not use.
  // eslint-disable-next-line react-hooks/incompatible-library
  const table = useReactTable({
    data: props.data,
    columns: props.columns,
    getRowId: props.rowId,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    enableSortingRemoval: false,
    state: { sorting: props.sorting ?? [], rowSelection: props.selection ?? {} },
    onSortingChange: props.onSortingChange,
    onRowSelectionChange: props.onSelectionChange,
    enableRowSelection: !!props.onSelectionChange,
  });
  return (
    <table className="table" aria-label={props.label}>
      <thead>
        {table.getHeaderGroups().map((hg) => (
          <tr key={hg.id}>
            {hg.headers.map((h) => {
              const sortable = !!props.onSortingChange && h.column.getCanSort();
              const dir = h.column.getIsSorted();
              return (
                <th
                  key={h.id}
                  className={sortable ? "sortable" : undefined}
                  aria-sort={dir === "asc" ? "ascending" : dir === "desc" ? "descending" : undefined}
                  onClick={sortable ? h.column.getToggleSortingHandler() : undefined}
                >
                  {flexRender(h.column.columnDef.header, h.getContext())}
                  {dir === "asc" ? " ▲" : dir === "desc" ? " ▼" : ""}
                </th>
              );
            })}
          </tr>
        ))}
      </thead>
      <tbody>
        {table.getRowModel().rows.map((row) => (
          <tr
            key={row.id}
            className={row.getIsSelected() ? "selected" : undefined}
            onDoubleClick={props.onRowOpen ? () => props.onRowOpen!(row.original) : undefined}
          >
            {row.getVisibleCells().map((cell) => (
              <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The checkbox column of a selectable DataTable. */
export function selectColumn<T>(): ColumnDef<T, unknown> {
  return {
    id: "select",
    enableSorting: false,
    header: ({ table }) => (
      <input
        type="checkbox"
        aria-label="Select all"
        checked={table.getIsAllRowsSelected()}
        onChange={table.getToggleAllRowsSelectedHandler()}
      />
    ),
    cell: ({ row }) => (
      <input
        type="checkbox"
        aria-label="Select row"
        checked={row.getIsSelected()}
        disabled={!row.getCanSelect()}
        onChange={row.getToggleSelectedHandler()}
      />
    ),
  };
}
