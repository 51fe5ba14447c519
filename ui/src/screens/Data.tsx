// The Data screen: the database file, backups, export, import, statement and
// payout files, and sync; one card each (./data), long operations one at a time.
import { BackupsCard } from "./data/Backups";
import { DatabaseCards } from "./data/Database";
import { ExportCard } from "./data/Export";
import { ImportCard } from "./data/Import";
import { PayoutFileCard } from "./data/PayoutFile";
import { ProgressBar, useLongOps } from "./data/shared";
import { StatementCard } from "./data/Statement";
import { SyncCard } from "./data/Sync";
import { TaxReportCard } from "./data/TaxReport";
import { securityApi } from "../lib/api";
import { useLoad } from "../lib/hooks";

export function DataScreen() {
  const ops = useLongOps();
  const security = useLoad(() => securityApi.state(), [], ["settings"]);
  return (
    <section className="screen" data-screen="data">
      <header className="screen-head">
        <h1>Data</h1>
      </header>
      {ops.running && <ProgressBar running={ops.running} onCancel={ops.cancel} />}
      <DatabaseCards />
      <BackupsCard ops={ops} />
      <ExportCard ops={ops} />
      <ImportCard ops={ops} />
      {security.data?.encrypted && (
        <p className="banner warn" data-files-plain>
          This database is encrypted; the files written below (statements, payout files) are plain files by design, like
          exports: keep them somewhere safe.
        </p>
      )}
      <div className="columns">
        <StatementCard />
        <PayoutFileCard />
      </div>
      <TaxReportCard />
      <SyncCard ops={ops} />
    </section>
  );
}
