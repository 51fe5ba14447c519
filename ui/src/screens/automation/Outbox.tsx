import { useState } from "react";
import { automationApi, browse } from "../../lib/api";
import type { OutboxMessage } from "../../lib/bindings/OutboxMessage";
import type { OutboxStatus } from "../../lib/bindings/OutboxStatus";
import type { SendReport } from "../../lib/bindings/SendReport";
import { OUTBOX_STATUSES } from "../../lib/enums";
import { dateTime, label } from "../../lib/format";
import { useAction, useLoad } from "../../lib/hooks";
import { Badge, Empty, FormError } from "../../components/ui";

/** The outbox: messages by status, send now, retry, cancel, save as .eml; and the SMTP password. */
export function Outbox() {
  const [status, setStatus] = useState<OutboxStatus | "">("");
  const list = useLoad(() => automationApi.outbox(status === "" ? null : status, null), [status], ["outbox"]);
  const send = useAction();
  const [report, setReport] = useState<SendReport | null>(null);
  return (
    <div data-section="outbox">
      <div className="toolbar">
        <label>
          Status{" "}
          <select aria-label="Status" value={status} onChange={(e) => setStatus(e.target.value as OutboxStatus | "")}>
            <option value="">all</option>
            {OUTBOX_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button
          className="primary"
          disabled={send.busy}
          onClick={async () => setReport((await send.run(() => automationApi.outboxSend())) ?? null)}
        >
          {send.busy ? "Sending…" : "Send now"}
        </button>
      </div>
      <FormError message={send.error?.message ?? null} />
      {report && (
        <div className={report.error ? "banner error" : "banner"} role="status" data-send-report>
          {report.sent.length} sent, {report.failed.length} failed, {report.deferred.length} to try again later;{" "}
          {report.queued} still queued.{report.error ? ` ${report.error}` : ""}
        </div>
      )}
      {list.error && <div className="banner error">{list.error.message}</div>}
      {list.data && list.data.length === 0 ? (
        <Empty title="No message here.">E-mails appear when an application, a payout or a rule causes one.</Empty>
      ) : (
        <table className="table" aria-label="Outbox">
          <thead>
            <tr>
              <th>Status</th>
              <th>To</th>
              <th>Subject</th>
              <th>Event</th>
              <th>Tries</th>
              <th>Queued</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data?.map((m) => (
              <MessageRow key={m.id} m={m} />
            ))}
          </tbody>
        </table>
      )}
      <SmtpPassword />
    </div>
  );
}

function MessageRow(props: { m: OutboxMessage }) {
  const { m } = props;
  const act = useAction();
  const [saved, setSaved] = useState<string | null>(null);
  return (
    <tr data-message={m.id} data-event={m.event} data-status={m.status}>
      <td>
        <Badge value={m.status} />
      </td>
      <td>{m.channel === "webhook" ? "webhook" : `${m.recipient_name ?? ""} <${m.recipient}>`}</td>
      <td>
        {m.subject}
        {m.last_error && <div className="inline-error">{m.last_error}</div>}
        {saved && <div className="ok">Saved to {saved}</div>}
        {act.error && <div className="inline-error">{act.error.message}</div>}
      </td>
      <td>{label(m.event)}</td>
      <td>{m.attempts}</td>
      <td>{dateTime(m.created_at)}</td>
      <td className="row-actions">
        {(m.status === "failed" || m.status === "cancelled") && (
          <button disabled={act.busy} onClick={() => void act.run(() => automationApi.outboxRetry(m.id))}>
            Retry
          </button>
        )}
        {(m.status === "queued" || m.status === "failed") && (
          <button disabled={act.busy} onClick={() => void act.run(() => automationApi.outboxCancel(m.id))}>
            Cancel
          </button>
        )}
        {m.channel === "email" && (
          <button
            disabled={act.busy}
            onClick={async () => {
              const path = await act.run(() =>
                browse({ mode: "save", title: "Save the e-mail", extensions: ["eml"], current: `${m.event}.eml` }),
              );
              if (path && (await act.run(() => automationApi.outboxSave(m.id, path)))) setSaved(path);
            }}
          >
            Save .eml
          </button>
        )}
      </td>
    </tr>
  );
}

/** The SMTP password: kept in the OS keyring (or a private file), never in the database. */
function SmtpPassword() {
  const [password, setPassword] = useState("");
  const [place, setPlace] = useState<string | null>(null);
  const act = useAction();
  return (
    <form
      className="card inline-form"
      data-section="smtp-password"
      onSubmit={async (e) => {
        e.preventDefault();
        const p = await act.run(() => automationApi.smtpPasswordSet(password));
        if (p) {
          setPassword("");
          setPlace(p === "keyring" ? "in the OS keyring" : "in a private file of your config folder");
        }
      }}
    >
      <label>
        SMTP password (of smtp.user at smtp.host; never stored in the database){" "}
        <input type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <button type="submit" disabled={act.busy || password === ""}>
        Keep password
      </button>
      {place && <span className="ok">Kept {place}.</span>}
      {act.error && <span className="inline-error">{act.error.message}</span>}
    </form>
  );
}
