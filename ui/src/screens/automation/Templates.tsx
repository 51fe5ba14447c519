import { useState } from "react";
import { api, automationApi } from "../../lib/api";
import type { Preview } from "../../lib/bindings/Preview";
import type { Template } from "../../lib/bindings/Template";
import { label } from "../../lib/format";
import { fieldError, formError, useAction, useLoad } from "../../lib/hooks";
import { Field, FormError } from "../../components/ui";

const key = (t: Template) => `${t.name}@${t.group_id ?? ""}`;

/** The e-mail templates: pick one, edit its subject and body, switch it on or off, preview it with a real record. */
export function Templates() {
  const list = useLoad(() => automationApi.templates(), [], ["settings"]);
  const [picked, setPicked] = useState<string | null>(null);
  if (list.error) return <div className="banner error">{list.error.message}</div>;
  const templates = list.data ?? [];
  const current = templates.find((t) => key(t) === picked) ?? templates[0];
  return (
    <div className="split" data-section="templates">
      <ul className="list template-list">
        {templates.map((t) => (
          <li key={key(t)}>
            <button
              className={current && key(current) === key(t) ? "link active" : "link"}
              onClick={() => setPicked(key(t))}
              data-template={t.name}
            >
              {label(t.name)}
              {t.group_id ? " (group)" : ""}
            </button>
            <span className="muted right">{t.enabled ? (t.custom ? "changed" : "on") : "off"}</span>
          </li>
        ))}
      </ul>
      {current && <Editor key={key(current) + String(current.custom) + current.subject} template={current} />}
    </div>
  );
}

function Editor(props: { template: Template }) {
  const t = props.template;
  const [subject, setSubject] = useState(t.subject);
  const [body, setBody] = useState(t.body);
  const [record, setRecord] = useState("");
  const [preview, setPreview] = useState<Preview | null>(null);
  const save = useAction();
  const toggle = useAction();
  const show = useAction();
  return (
    <div className="card editor" data-editor={t.name}>
      <h3>{label(t.name)}</h3>
      <p className="muted">
        Sent {t.description}. Merge fields: {t.fields.map((f) => `{{${f}}}`).join(" ")}
      </p>
      <label className="check">
        <input
          type="checkbox"
          checked={t.enabled}
          disabled={toggle.busy}
          onChange={(e) =>
            void toggle.run(() => automationApi.templateSetEnabled(t.name, e.target.checked, t.group_id))
          }
        />{" "}
        On
      </label>
      <FormError message={toggle.error?.message ?? null} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run(() => automationApi.templateSet(t.name, subject, body, t.group_id));
        }}
      >
        <Field label="Subject" name="subject" error={fieldError(save.error, "subject")}>
          <input name="subject" value={subject} onChange={(e) => setSubject(e.target.value)} />
        </Field>
        <Field label="Body" name="body" error={fieldError(save.error, "body")}>
          <textarea name="body" rows={8} value={body} onChange={(e) => setBody(e.target.value)} />
        </Field>
        <FormError message={formError(save.error, ["subject", "body"])} />
        <button className="primary" type="submit" disabled={save.busy}>
          Save template
        </button>
      </form>
      {t.name.startsWith("welcome_") && t.group_id === null && <GroupCopy template={t} subject={subject} body={body} />}
      <h4>Preview</h4>
      <form
        className="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setPreview((await show.run(() => automationApi.templatePreview(t.name, record))) ?? null);
        }}
      >
        <Field label={`A ${t.record}'s id (or its first 8 characters)`} name="record" error={null}>
          <input name="record" value={record} onChange={(e) => setRecord(e.target.value)} />
        </Field>
        <button type="submit" disabled={show.busy || record.trim() === ""}>
          Preview
        </button>
      </form>
      <FormError message={show.error?.message ?? null} />
      {preview && (
        <div className="preview" data-preview={preview.template}>
          <div>
            <strong>To:</strong> {preview.to_name} &lt;{preview.to}&gt;
          </div>
          <div>
            <strong>Subject:</strong> <span data-preview-subject>{preview.subject}</span>
          </div>
          {preview.attachment && (
            <div>
              <strong>Attached:</strong> {preview.attachment}
            </div>
          )}
          {!preview.enabled && <div className="muted">This template is off: nothing is sent.</div>}
          <pre data-preview-body>{preview.body}</pre>
        </div>
      )}
    </div>
  );
}

/** The welcome sequence per group: a group's own text, starting from this one. */
function GroupCopy(props: { template: Template; subject: string; body: string }) {
  const groups = useLoad(() => api.groups(), [], ["settings"]);
  const [group, setGroup] = useState("");
  const act = useAction();
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        void act.run(() => automationApi.templateSet(props.template.name, props.subject, props.body, group));
      }}
    >
      <label>
        Own text for the group{" "}
        <select aria-label="Group" value={group} onChange={(e) => setGroup(e.target.value)}>
          <option value="">choose…</option>
          {groups.data?.map((g) => (
            <option key={g.group.id} value={g.group.id}>
              {g.group.name}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={act.busy || group === ""}>
        Give it its own text
      </button>
      {act.error && <span className="inline-error">{act.error.message}</span>}
    </form>
  );
}
