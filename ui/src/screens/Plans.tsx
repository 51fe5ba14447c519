import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { marked } from "marked";
import DOMPurify from "dompurify";
import { api, invalid } from "../lib/api";
import type { AppPlan } from "../lib/bindings/AppPlan";
import type { Lead } from "../lib/bindings/Lead";
import type { PlanStatus } from "../lib/bindings/PlanStatus";
import { PLAN_STATUSES as STATUSES } from "../lib/enums";
import { date, label } from "../lib/format";
import { fieldError, formError, useAction, useDebounced, useLoad } from "../lib/hooks";
import { Badge, Empty, Field, FormError, Modal, Pager } from "../components/ui";
import { NEW_ITEM_EVENT } from "../components/Layout";

const LIMIT = 30;
const PLAN_FIELDS = [
  "business_name",
  "industry",
  "features",
  "timeline",
  "timeline_estimate",
  "investment",
  "investment_range",
  "client_lead_id",
];

export function PlansScreen() {
  const { id } = useParams();
  const navigate = useNavigate();
  const [status, setStatus] = useState<PlanStatus | "">("");
  const [offset, setOffset] = useState(0);
  const [adding, setAdding] = useState(false);
  const list = useLoad(() => api.plans(status || null, LIMIT, offset), [status, offset], ["plans"]);
  useEffect(() => {
    const onNew = () => setAdding(true);
    window.addEventListener(NEW_ITEM_EVENT, onNew);
    return () => window.removeEventListener(NEW_ITEM_EVENT, onNew);
  }, []);
  const current = list.data?.items.find((p) => p.id === id) ?? null;
  return (
    <section className="screen" data-screen="plans">
      <header className="screen-head">
        <h1>App plans</h1>
        <div className="toolbar">
          <select
            aria-label="Status"
            value={status}
            onChange={(e) => (setStatus(e.target.value as PlanStatus | ""), setOffset(0))}
          >
            <option value="">All statuses</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
          <button className="primary" onClick={() => setAdding(true)} title="New plan (n)">
            New plan
          </button>
        </div>
      </header>
      {list.error && <div className="banner error">{list.error.message}</div>}
      {list.data && list.data.items.length === 0 ? (
        <Empty title="No app plan yet.">
          Draft one for a client lead with <strong>New plan</strong> (key <kbd>n</kbd>), then generate the proposal.
        </Empty>
      ) : (
        <div className="split">
          <div className="plan-list">
            <ul className="list">
              {list.data?.items.map((p) => (
                <li key={p.id} className={p.id === id ? "selected" : undefined}>
                  <Link to={`/plans/${p.id}`}>{p.business_name}</Link> <Badge value={p.status} />
                  <div className="muted small">
                    {p.industry} · {date(p.updated_at)}
                  </div>
                </li>
              ))}
            </ul>
            {list.data && <Pager total={list.data.total} limit={LIMIT} offset={offset} onOffset={setOffset} />}
          </div>
          <div className="plan-editor">
            {current ? (
              <PlanEditor key={current.id + current.updated_at} plan={current} />
            ) : (
              <Empty title="Pick a plan on the left to edit it and see its proposal." />
            )}
          </div>
        </div>
      )}
      {adding && (
        <NewPlanForm
          onClose={() => setAdding(false)}
          onSaved={(p) => {
            setAdding(false);
            navigate(`/plans/${p.id}`);
          }}
        />
      )}
    </section>
  );
}

function TagInput(props: { value: string[]; onChange: (v: string[]) => void; name: string }) {
  const [text, setText] = useState("");
  const add = () => {
    const t = text.trim();
    if (t && !props.value.includes(t)) props.onChange([...props.value, t]);
    setText("");
  };
  return (
    <div className="tags">
      {props.value.map((t) => (
        <span key={t} className="tag">
          {t}
          <button
            type="button"
            aria-label={`Remove ${t}`}
            onClick={() => props.onChange(props.value.filter((x) => x !== t))}
          >
            ×
          </button>
        </span>
      ))}
      <input
        name={props.name}
        value={text}
        placeholder="Add a feature, press Enter"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" || e.key === ",") {
            e.preventDefault();
            add();
          } else if (e.key === "Backspace" && !text && props.value.length) {
            props.onChange(props.value.slice(0, -1));
          }
        }}
        onBlur={add}
      />
    </div>
  );
}

function PlanEditor(props: { plan: AppPlan }) {
  const p = props.plan;
  const [f, setF] = useState({
    business_name: p.business_name,
    industry: p.industry,
    features: p.features,
    timeline_estimate: p.timeline_estimate,
    investment_range: p.investment_range,
  });
  const act = useAction();
  const draft = p.status === "draft";
  const html = useMemo(
    () => (p.generated_content ? DOMPurify.sanitize(marked.parse(p.generated_content, { async: false })) : ""),
    [p.generated_content],
  );
  const err = (...n: string[]) => fieldError(act.error, ...n);
  const save = () => act.run(() => api.planUpdate(p.id, f));
  return (
    <div className="card" data-detail="plan">
      <h2>
        {p.business_name} <Badge value={p.status} />
      </h2>
      <div className="form">
        <Field label="Business" name="business_name" error={err("business_name")}>
          <input
            name="business_name"
            disabled={!draft}
            value={f.business_name}
            onChange={(e) => setF({ ...f, business_name: e.target.value })}
          />
        </Field>
        <Field label="Industry" name="industry" error={err("industry")}>
          <input
            name="industry"
            disabled={!draft}
            value={f.industry}
            onChange={(e) => setF({ ...f, industry: e.target.value })}
          />
        </Field>
        <Field label="Features" name="features" error={err("features")} group>
          {draft ? (
            <TagInput name="features" value={f.features} onChange={(v) => setF({ ...f, features: v })} />
          ) : (
            <div>{f.features.join(", ")}</div>
          )}
        </Field>
        <Field label="Timeline" name="timeline_estimate" error={err("timeline", "timeline_estimate")}>
          <input
            name="timeline_estimate"
            disabled={!draft}
            value={f.timeline_estimate}
            onChange={(e) => setF({ ...f, timeline_estimate: e.target.value })}
          />
        </Field>
        <Field label="Investment range" name="investment_range" error={err("investment", "investment_range")}>
          <input
            name="investment_range"
            disabled={!draft}
            value={f.investment_range}
            onChange={(e) => setF({ ...f, investment_range: e.target.value })}
          />
        </Field>
        <FormError message={formError(act.error, PLAN_FIELDS)} />
        <div className="buttons">
          {draft && (
            <button onClick={save} disabled={act.busy}>
              Save
            </button>
          )}
          {draft && (
            <button className="primary" onClick={() => act.run(() => api.planGenerate(p.id))} disabled={act.busy}>
              Generate proposal
            </button>
          )}
          <select
            aria-label="Set plan status"
            value=""
            onChange={(e) => e.target.value && act.run(() => api.planSetStatus(p.id, e.target.value as PlanStatus))}
          >
            <option value="">Mark as…</option>
            {STATUSES.filter((s) => s !== p.status).map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <h3>Proposal preview</h3>
      {html ? (
        <article className="markdown" data-preview dangerouslySetInnerHTML={{ __html: html }} />
      ) : (
        <Empty title="No proposal yet.">Press Generate proposal to write it from the plan.</Empty>
      )}
    </div>
  );
}

function LeadPicker(props: { value: Lead | null; onChange: (l: Lead | null) => void }) {
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 150);
  const found = useLoad(
    () => (q ? api.leads({ search: q, status: null, partner_id: null, limit: 8, offset: 0 }) : Promise.resolve(null)),
    [q],
  );
  if (props.value)
    return (
      <div className="picked">
        <strong>{props.value.client_name}</strong>{" "}
        <span className="muted">{props.value.business_name ?? props.value.client_email}</span>{" "}
        <button type="button" className="link" onClick={() => props.onChange(null)}>
          change
        </button>
      </div>
    );
  return (
    <div className="picker">
      <input
        name="lead_search"
        placeholder="Type a client or business name"
        value={text}
        onChange={(e) => setText(e.target.value)}
        autoComplete="off"
      />
      {found.data && (
        <ul className="options">
          {found.data.items.length === 0 && <li className="muted">No lead matches.</li>}
          {found.data.items.map((l) => (
            <li key={l.id}>
              <button type="button" onClick={() => props.onChange(l)}>
                {l.client_name} <span className="muted">{l.business_name ?? l.client_email}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function NewPlanForm(props: { onClose: () => void; onSaved: (p: AppPlan) => void }) {
  const [lead, setLead] = useState<Lead | null>(null);
  const [f, setF] = useState({
    business_name: "",
    industry: "",
    features: [] as string[],
    timeline_estimate: "",
    investment_range: "",
  });
  const act = useAction();
  const err = (...n: string[]) => fieldError(act.error, ...n);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await act.run(async () => {
      if (!lead) throw invalid("client_lead_id", "lead: pick the client lead this plan is for");
      return api.planAdd({
        client_lead_id: lead.id,
        business_name: f.business_name || null,
        industry: f.industry,
        features: f.features,
        timeline_estimate: f.timeline_estimate,
        investment_range: f.investment_range,
      });
    });
    if (r) props.onSaved(r);
  };
  return (
    <Modal title="New app plan" onClose={props.onClose}>
      <form className="form" onSubmit={submit} data-form="plan">
        <Field label="Client lead" name="client_lead_id" error={err("client_lead_id", "lead")} group>
          <LeadPicker value={lead} onChange={setLead} />
        </Field>
        <Field
          label="Business"
          name="business_name"
          error={err("business_name")}
          hint="Empty: the lead's business name"
        >
          <input
            name="business_name"
            value={f.business_name}
            onChange={(e) => setF({ ...f, business_name: e.target.value })}
          />
        </Field>
        <Field label="Industry" name="industry" error={err("industry")}>
          <input name="industry" value={f.industry} onChange={(e) => setF({ ...f, industry: e.target.value })} />
        </Field>
        <Field label="Features" name="features" error={err("features")} group>
          <TagInput name="features" value={f.features} onChange={(v) => setF({ ...f, features: v })} />
        </Field>
        <Field label="Timeline" name="timeline_estimate" error={err("timeline", "timeline_estimate")}>
          <input
            name="timeline_estimate"
            value={f.timeline_estimate}
            placeholder="e.g. 10-12 weeks"
            onChange={(e) => setF({ ...f, timeline_estimate: e.target.value })}
          />
        </Field>
        <Field label="Investment range" name="investment_range" error={err("investment", "investment_range")}>
          <input
            name="investment_range"
            value={f.investment_range}
            placeholder="e.g. $40k-$60k"
            onChange={(e) => setF({ ...f, investment_range: e.target.value })}
          />
        </Field>
        <FormError message={formError(act.error, [...PLAN_FIELDS, "lead"])} />
        <div className="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button className="primary" type="submit" disabled={act.busy}>
            Save draft
          </button>
        </div>
      </form>
    </Modal>
  );
}
