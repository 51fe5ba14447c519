import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import type { ColumnDef } from "@tanstack/react-table";
import { api, invalid } from "../lib/api";
import type { Application } from "../lib/bindings/Application";
import type { ApplicationStatus } from "../lib/bindings/ApplicationStatus";
import type { ExperienceLevel } from "../lib/bindings/ExperienceLevel";
import { APPLICATION_STATUSES as STATUSES } from "../lib/enums";
import { date, label } from "../lib/format";
import { fieldError, formError, useAction, useLoad } from "../lib/hooks";
import { Badge, DataTable, Empty, Field, FormError, Modal, Pager } from "../components/ui";
import { NEW_ITEM_EVENT } from "../components/Layout";
import { Tasks } from "../components/Tasks";

const LIMIT = 50;

function Actions(props: { app: Application }) {
  const { app } = props;
  const navigate = useNavigate();
  const act = useAction();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const open = app.status === "pending" || app.status === "under_review";
  if (!open) return null;
  return (
    <span className="row-actions">
      {app.status === "pending" && <button onClick={() => act.run(() => api.applicationReview(app.id))}>Review</button>}
      <button
        className="primary"
        onClick={async () => {
          const r = await act.run(() => api.applicationApprove(app.id));
          if (r) navigate(`/partners/${r[1].id}`);
        }}
      >
        Approve
      </button>
      <button className="danger" onClick={() => setRejecting(true)}>
        Reject
      </button>
      {rejecting && (
        <Modal title={`Reject ${app.name}`} onClose={() => setRejecting(false)}>
          <form
            onSubmit={async (e) => {
              e.preventDefault();
              if (await act.run(() => api.applicationReject(app.id, reason.trim() === "" ? null : reason))) {
                setRejecting(false);
              }
            }}
          >
            <Field
              label="Reason (given in the rejection e-mail)"
              name="reason"
              error={fieldError(act.error, "reason")}
              hint="Optional"
            >
              <textarea name="reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} />
            </Field>
            <button className="danger" type="submit" disabled={act.busy}>
              Reject
            </button>
          </form>
        </Modal>
      )}
      {act.error && (
        <span className="inline-error" role="alert">
          {act.error.message}
        </span>
      )}
    </span>
  );
}

export function ApplicationsScreen() {
  const { id } = useParams();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const status = (params.get("status") as ApplicationStatus | null) || null;
  const [offset, setOffset] = useState(0);
  const [adding, setAdding] = useState(false);
  const list = useLoad(() => api.applications(status, LIMIT, offset), [status, offset], ["applications"]);
  const detail = useLoad(() => (id ? api.application(id) : Promise.resolve(null)), [id], ["applications"]);

  useEffect(() => {
    const onNew = () => setAdding(true);
    window.addEventListener(NEW_ITEM_EVENT, onNew);
    return () => window.removeEventListener(NEW_ITEM_EVENT, onNew);
  }, []);

  const columns = useMemo<ColumnDef<Application, unknown>[]>(
    () => [
      { header: "Name", cell: ({ row }) => <Link to={`/applications/${row.original.id}`}>{row.original.name}</Link> },
      { header: "E-mail", accessorKey: "email" },
      { header: "Company", cell: ({ row }) => row.original.company ?? "" },
      {
        header: "Experience",
        cell: ({ row }) => (row.original.experience_level ? label(row.original.experience_level) : ""),
      },
      { header: "Status", cell: ({ row }) => <Badge value={row.original.status} /> },
      { header: "Applied", cell: ({ row }) => date(row.original.created_at) },
      { id: "actions", header: "", cell: ({ row }) => <Actions app={row.original} /> },
    ],
    [],
  );

  return (
    <section className="screen" data-screen="applications">
      <header className="screen-head">
        <h1>Applications</h1>
        <div className="toolbar">
          <select
            aria-label="Status"
            value={status ?? ""}
            onChange={(e) => {
              setOffset(0);
              setParams(e.target.value ? { status: e.target.value } : {});
            }}
          >
            <option value="">All statuses</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
          <button className="primary" onClick={() => setAdding(true)} title="New application (n)">
            New application
          </button>
        </div>
      </header>
      {detail.data && (
        <div className="card detail" data-detail="application">
          <header className="screen-head">
            <h2>{detail.data.name}</h2>
            <button className="link" onClick={() => navigate("/applications")}>
              Close
            </button>
          </header>
          <dl className="props">
            <dt>E-mail</dt>
            <dd>{detail.data.email}</dd>
            <dt>Phone</dt>
            <dd>{detail.data.phone ?? "—"}</dd>
            <dt>Company</dt>
            <dd>{detail.data.company ?? "—"}</dd>
            <dt>Network</dt>
            <dd>{detail.data.network_description ?? "—"}</dd>
            <dt>Expected referrals</dt>
            <dd>{detail.data.expected_referrals ?? "—"}</dd>
            <dt>Experience</dt>
            <dd>{detail.data.experience_level ? label(detail.data.experience_level) : "—"}</dd>
            <dt>Status</dt>
            <dd>
              <Badge value={detail.data.status} />
            </dd>
            <dt>Applied</dt>
            <dd>{date(detail.data.created_at)}</dd>
          </dl>
          <Tasks record={detail.data.id} title="Tasks" />
          <Actions app={detail.data} />
        </div>
      )}
      {list.error && <div className="banner error">{list.error.message}</div>}
      {list.data && list.data.items.length === 0 ? (
        <Empty title={status ? `No ${label(status).toLowerCase()} application.` : "No application yet."}>
          Add one with{" "}
          <button className="link" onClick={() => setAdding(true)}>
            New application
          </button>{" "}
          (key <kbd>n</kbd>) when a person asks to join the program.
        </Empty>
      ) : (
        list.data && (
          <>
            <DataTable label="Applications" data={list.data.items} columns={columns} rowId={(a) => a.id} />
            <Pager total={list.data.total} limit={LIMIT} offset={offset} onOffset={setOffset} />
          </>
        )
      )}
      {adding && (
        <NewApplicationForm
          onClose={() => setAdding(false)}
          onSaved={(a) => {
            setAdding(false);
            navigate(`/applications/${a.id}`);
          }}
        />
      )}
    </section>
  );
}

const FIELDS = [
  "name",
  "email",
  "phone",
  "company",
  "network",
  "network_description",
  "expected_referrals",
  "experience",
];

function NewApplicationForm(props: { onClose: () => void; onSaved: (a: Application) => void }) {
  const [f, setF] = useState({
    name: "",
    email: "",
    phone: "",
    company: "",
    network: "",
    referrals: "",
    experience: "",
  });
  const act = useAction();
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const referrals = f.referrals.trim() === "" ? null : Number(f.referrals);
    if (referrals !== null && !Number.isInteger(referrals)) {
      act.setError(invalid("expected_referrals", "expected_referrals: must be a whole number"));
      return;
    }
    const a = await act.run(() =>
      api.applicationAdd({
        name: f.name,
        email: f.email,
        phone: f.phone || null,
        company: f.company || null,
        network_description: f.network || null,
        expected_referrals: referrals,
        experience_level: (f.experience || null) as ExperienceLevel | null,
      }),
    );
    if (a) props.onSaved(a);
  };
  const err = (...n: string[]) => fieldError(act.error, ...n);
  return (
    <Modal title="New application" onClose={props.onClose}>
      <form onSubmit={submit} className="form" data-form="application">
        <Field label="Name" name="name" error={err("name")}>
          <input name="name" value={f.name} onChange={set("name")} />
        </Field>
        <Field label="E-mail" name="email" error={err("email")}>
          <input name="email" value={f.email} onChange={set("email")} />
        </Field>
        <Field label="Phone" name="phone" error={err("phone")}>
          <input name="phone" value={f.phone} onChange={set("phone")} />
        </Field>
        <Field label="Company" name="company" error={err("company")}>
          <input name="company" value={f.company} onChange={set("company")} />
        </Field>
        <Field label="Network" name="network_description" error={err("network", "network_description")}>
          <textarea name="network_description" value={f.network} onChange={set("network")} rows={3} />
        </Field>
        <Field label="Expected referrals" name="expected_referrals" error={err("expected_referrals")}>
          <input name="expected_referrals" inputMode="numeric" value={f.referrals} onChange={set("referrals")} />
        </Field>
        <Field label="Experience" name="experience" error={err("experience", "experience_level")}>
          <select name="experience" value={f.experience} onChange={set("experience")}>
            <option value="">—</option>
            <option value="beginner">Beginner</option>
            <option value="intermediate">Intermediate</option>
            <option value="expert">Expert</option>
          </select>
        </Field>
        <FormError message={formError(act.error, [...FIELDS, "experience_level"])} />
        <div className="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={act.busy}>
            Save application
          </button>
        </div>
      </form>
    </Modal>
  );
}
