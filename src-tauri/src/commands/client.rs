//! What the command list (`commands/list.rs`) gives besides the invoke
//! handler: a compile-time check that each listed function takes and answers
//! what the list says, the list itself for the tests, and the TypeScript
//! client ui/src/lib/commands.ts (checked for staleness by tests/it/commands.rs).

// The types the list names, resolved here (build.rs only reads the names).
use crate::launch::LaunchMarks;
use partnerdesk_core::analytics::{ScreenData, ScreenRequest, Snapshot};
use partnerdesk_core::backup::{BackupInfo, Recovery, RestoreReport, Verification};
use partnerdesk_core::charts::ScreenChart;
use partnerdesk_core::charts::Theme;
use partnerdesk_core::dashboard::{Dashboard, DataInfo, PartnerName, PartnerToPay};
use partnerdesk_core::exchange::export::{ExportReport, Format};
use partnerdesk_core::exchange::import::{DecimalMark, ImportPreview, ImportReport, ImportTable};
use partnerdesk_core::exchange::payout_file::{PayoutFormat, PayoutSummary};
use partnerdesk_core::exchange::pg::{Comparison, Conflict, PullReport, PushReport};
use partnerdesk_core::exchange::self_billing::SelfBillingFile;
use partnerdesk_core::exchange::statement::StatementFile;
use partnerdesk_core::exchange::sync::{ApplyReport, ExportReport as SyncExportReport, SyncStatus};
use partnerdesk_core::exchange::tax_report::TaxReport;
use partnerdesk_core::mail::{SecretPlace, SendReport};
use partnerdesk_core::model::{
    AppPlan, Application, ApplicationId, ApplicationStatus, AuditEntry, Commission, CommissionFilter, CommissionId,
    Entity, Group, GroupId, Lead, LeadFilter, LeadId, LeadStatus, NewApplication, NewLead, NewPlan, Page, Partner,
    PartnerFilter, PartnerId, PartnerStatus, Payout, PayoutId, PlanId, PlanStatus, RuleScope, Tier,
};
use partnerdesk_core::model::{AutomationRule, OutboxId, OutboxMessage, OutboxStatus, TaskId, TaskItem, Template};
use partnerdesk_core::model::{
    ConflictView, GroupPayout, GroupPayoutEdit, Keep, PartnerBalance, PartnerTax, PayoutPlan, ReleaseDate, TaxForm,
};
use partnerdesk_core::monitor::{BundleReport, Diagnostics};
use partnerdesk_core::progress::Progress;
use partnerdesk_core::queries::{AuditVerification, LeadDetail, PartnerDetail};
use partnerdesk_core::store::cipher::{CipherReport, SecurityState};
use partnerdesk_core::workflow::automation::outbox::OutboxSummary;
use partnerdesk_core::workflow::automation::templates::Preview;
use partnerdesk_core::workflow::leads::{LeadAdded, MoveOutcome};
use partnerdesk_core::workflow::plans::PlanPatch;
use partnerdesk_core::workflow::rules::{
    DueRun, GroupEdit, GroupInfo, OverrideInput, PartnerRules, RetainerTerms, RuleChanged, RulesView, TierChange,
};
use partnerdesk_core::workflow::settings::{SettingEntry, Settings};
use partnerdesk_core::workflow::simulate::{Draft, Simulation};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use ts_rs::{Config, TS};

/// One listed command, as the tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The module of `commands/` that holds its function.
    pub module: &'static str,
    pub name: &'static str,
    /// The arguments the UI sends, in order.
    pub args: Vec<&'static str>,
}

macro_rules! listed {
    ($($module:ident { $($name:ident ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty;)* })*) => {
        vec![$($(Listed {
            module: stringify!($module),
            name: stringify!($name),
            args: vec![$(stringify!($arg)),*],
        },)*)*]
    };
}

/// Every command of the list, in its order.
pub fn list() -> Vec<Listed> {
    with_commands!(listed)
}

/// The compile-time check: each function, given what Tauri fills in and the
/// listed arguments, answers the listed type. A command whose function
/// differs from its line in the list does not build.
mod check {
    use super::*;
    use crate::state::{AppState, CmdResult};
    use std::future::Future;
    // Tauri's channel here (the client below names its TypeScript class).
    use tauri::ipc::Channel;
    use tauri::{AppHandle, State, Wry};

    /// A command function taking the arguments `A` and answering `R`; `S`
    /// tells the shapes apart (async or not, what Tauri fills in first). The
    /// shapes used so far: async answering a `CmdResult`, with or without
    /// the state first, and sync with the app handle first, answering its
    /// value as it is (`launch_ready`). A command of another shape, or of
    /// more than six arguments, adds its impl in `shapes!`.
    #[diagnostic::on_unimplemented(
        message = "a command function does not take or answer what its line in commands/list.rs says",
        label = "compare this function with its line in commands/list.rs"
    )]
    pub trait Signature<A, R, S> {}

    pub struct Async;
    pub struct AsyncWithState;
    pub struct SyncWithApp;

    macro_rules! shapes {
        ($($a:ident),*) => {
            impl<F, Fut, R, $($a),*> Signature<($($a,)*), R, Async> for F
            where
                F: Fn($($a),*) -> Fut,
                Fut: Future<Output = CmdResult<R>>,
            {
            }
            impl<F, Fut, R, $($a),*> Signature<($($a,)*), R, AsyncWithState> for F
            where
                F: Fn(State<'static, AppState>, $($a),*) -> Fut,
                Fut: Future<Output = CmdResult<R>>,
            {
            }
            impl<F, R, $($a),*> Signature<($($a,)*), R, SyncWithApp> for F where F: Fn(AppHandle<Wry>, $($a),*) -> R {}
        };
    }
    shapes!();
    shapes!(A1);
    shapes!(A1, A2);
    shapes!(A1, A2, A3);
    shapes!(A1, A2, A3, A4);
    shapes!(A1, A2, A3, A4, A5);
    shapes!(A1, A2, A3, A4, A5, A6);
    shapes!(A1, A2, A3, A4, A5, A6, A7);
    shapes!(A1, A2, A3, A4, A5, A6, A7, A8);

    pub fn takes<A, R, S, F: Signature<A, R, S>>(_: F) {}

    macro_rules! check {
        ($($module:ident { $($name:ident ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty;)* })*) => {
            #[allow(dead_code)]
            fn all() {
                $($(takes::<($($ty,)*), $ret, _, _>(crate::commands::$module::$name);)*)*
            }
        };
    }
    with_commands!(check);
}

/// How a Rust type is written in the TypeScript client, and what it imports.
trait TsType {
    fn ts(cfg: &Config) -> String;
    /// Imports as `(name, from)`, and declarations of the app's own types.
    fn uses(cfg: &Config, imports: &mut BTreeSet<(String, String)>, decls: &mut BTreeSet<String>);
}

impl<T: TS + 'static> TsType for T {
    fn ts(cfg: &Config) -> String {
        T::name(cfg)
    }

    fn uses(cfg: &Config, imports: &mut BTreeSet<(String, String)>, decls: &mut BTreeSet<String>) {
        if std::any::type_name::<T>().starts_with("partnerdesk_app::") {
            // The app's own types are declared in the client itself.
            let text = T::export_to_string(cfg).expect("the app's type exports");
            let (_, decl) = text.split_once("\n\n").expect("a generated declaration");
            decls.insert(decl.trim_end().to_owned());
            return;
        }
        // Of the bindings this type may name, those its TypeScript name does.
        let mut deps = Vec::new();
        candidates::<T>(cfg, &mut deps);
        let text = T::name(cfg);
        for d in deps.into_iter().filter(|d| names(&text, &d.ts_name)) {
            let path = d
                .output_path
                .to_string_lossy()
                .trim_end_matches(".ts")
                .replace('\\', "/");
            imports.insert((d.ts_name, format!("./bindings/{path}")));
        }
    }
}

/// `T` and the types inside it (its generic arguments, their dependencies).
fn candidates<T: TS + 'static + ?Sized>(cfg: &Config, out: &mut Vec<ts_rs::Dependency>) {
    struct Generics<'a>(&'a Config, &'a mut Vec<ts_rs::Dependency>);
    impl ts_rs::TypeVisitor for Generics<'_> {
        fn visit<U: TS + 'static + ?Sized>(&mut self) {
            candidates::<U>(self.0, self.1);
        }
    }
    out.extend(ts_rs::Dependency::from_ty::<T>(cfg));
    out.extend(T::dependencies(cfg));
    T::visit_generics(&mut Generics(cfg, out));
}

/// Whether the TypeScript `text` names `ident` (as a whole word).
fn names(text: &str, ident: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    text.match_indices(ident)
        .any(|(at, _)| !word(text[..at].chars().next_back()) && !word(text[at + ident.len()..].chars().next()))
}

/// Stands for `tauri::ipc::Channel` in the client (Tauri's own class).
struct Channel<T>(std::marker::PhantomData<T>);

impl<T: TS + 'static> TsType for Channel<T> {
    fn ts(cfg: &Config) -> String {
        format!("Channel<{}>", T::name(cfg))
    }

    fn uses(cfg: &Config, imports: &mut BTreeSet<(String, String)>, decls: &mut BTreeSet<String>) {
        imports.insert(("Channel".into(), "@tauri-apps/api/core".into()));
        T::uses(cfg, imports, decls);
    }
}

/// `lead_move` as `leadMove`.
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in name.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

macro_rules! client {
    ($($module:ident { $($name:ident ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty;)* })*) => {{
        let cfg = Config::new().with_large_int("number");
        let mut imports = BTreeSet::new();
        let mut decls = BTreeSet::new();
        let mut fns = String::new();
        $(
            fns += &format!("\n    // {}\n", stringify!($module));
            $(
                let args: Vec<(&str, String)> = vec![$((stringify!($arg), <$ty as TsType>::ts(&cfg))),*];
                $(<$ty as TsType>::uses(&cfg, &mut imports, &mut decls);)*
                <$ret as TsType>::uses(&cfg, &mut imports, &mut decls);
                let params: Vec<String> = args.iter().map(|(n, t)| format!("{n}: {t}")).collect();
                let names: Vec<&str> = args.iter().map(|(n, _)| *n).collect();
                let passed = if names.is_empty() { String::new() } else { format!(", {{ {} }}", names.join(", ")) };
                fns += &format!(
                    "    {}: ({}) => call<{}>(\"{}\"{}),\n",
                    camel(stringify!($name)),
                    params.join(", "),
                    <$ret as TsType>::ts(&cfg),
                    stringify!($name),
                    passed,
                );
            )*
        )*
        (imports, decls, fns)
    }};
}

/// The TypeScript client: one typed function per command, each passing its
/// command's name and arguments to the `call` it is given.
pub fn typescript() -> String {
    let (imports, decls, fns): (BTreeSet<(String, String)>, BTreeSet<String>, String) = with_commands!(client);
    let mut out = String::from(
        "// Generated from src-tauri/src/commands/list.rs by src-tauri/tests/it/commands.rs: do not edit by hand.\n\
         // Refresh: UPDATE_CLIENT=1 cargo test -p partnerdesk-app --test it -- commands::\n",
    );
    for (name, from) in &imports {
        out += &format!("import type {{ {name} }} from \"{from}\";\n");
    }
    for d in &decls {
        out += &format!("\n{d}\n");
    }
    out += "\n/** How the client reaches Rust: api.ts gives it its one call wrapper. */\n";
    out += "export type Call = <T>(command: string, args?: Record<string, unknown>) => Promise<T>;\n";
    out += "\n/** One function per command of the app, typed by its arguments and its answer. */\n";
    out += "export function commands(call: Call) {\n  return {";
    out += &fns;
    out += "  };\n}\n";
    out
}
