//! Fraud cases, scoped by the victim's area, and the stored monthly rankings.

use domain::Scope;
use domain::case::CaseStatus;
use serde::Serialize;

use crate::audit::append_in_tx;
use crate::sql::{Arg, Filter, bind_args};
use crate::{BeginWrite, Page, PageReq, Result, Store, StoreError, now_ms, on_pool};
use domain::audit::AuditContent;

/// A case to register (validated by the caller).
#[derive(Debug, Clone)]
pub struct NewCase {
    /// Case number of the police case system (unique).
    pub case_no: String,
    /// Reported, UTC ms.
    pub reported_at: i64,
    /// Filed (立案), UTC ms.
    pub filed_at: Option<i64>,
    /// Solved (破案), UTC ms.
    pub solved_at: Option<i64>,
    /// Responsible police station.
    pub station_id: i64,
    /// The victim's jurisdiction.
    pub jurisdiction_id: i64,
    /// Fraud type id (`domain::case::FRAUD_TYPES`).
    pub fraud_type: String,
    /// Loss in fen.
    pub loss_fen: i64,
    /// Recovered in fen.
    pub recovered_fen: i64,
    /// Suspects arrested (抓获人数).
    pub arrested: i64,
    /// The victim, when a registered resident.
    pub victim_resident_id: Option<i64>,
    /// Victim's age band.
    pub victim_age_band: String,
    /// Victim's occupation.
    pub victim_occupation: String,
    /// How the fraudster made contact (phone, SMS, WeChat, QQ, app, website…).
    pub contact_channel: String,
    /// Status.
    pub status: CaseStatus,
    /// Suspects' observables, `(kind, normalised value)`.
    pub observables: Vec<(String, String)>,
}

/// A suspect's observable of a case, masked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ObservableView {
    /// Kind.
    pub kind: String,
    /// Value, masked (URLs and apps in clear: they are not personal data).
    pub value: String,
}

/// A case linked to another through shared observables.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkedCase {
    /// The case.
    pub case: CaseView,
    /// Hops from the asked case in the cluster (1 = shares an observable with it).
    pub distance: u32,
}

/// A case as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    /// Id.
    pub id: i64,
    /// Case number.
    pub case_no: String,
    /// Reported, ms.
    pub reported_at: i64,
    /// Filed, ms.
    pub filed_at: Option<i64>,
    /// Solved, ms.
    pub solved_at: Option<i64>,
    /// Station id.
    pub station_id: i64,
    /// Station name.
    pub station_name: String,
    /// Victim's jurisdiction id.
    pub jurisdiction_id: Option<i64>,
    /// Its name.
    pub jurisdiction_name: String,
    /// Fraud type id.
    pub fraud_type: String,
    /// Taxonomy version.
    pub taxonomy_version: String,
    /// Loss, fen.
    pub loss_fen: i64,
    /// Recovered, fen.
    pub recovered_fen: i64,
    /// Age band.
    pub victim_age_band: String,
    /// Occupation.
    pub victim_occupation: String,
    /// Contact channel.
    pub contact_channel: String,
    /// Status.
    pub status: String,
    /// Suspects arrested (抓获人数).
    pub arrested: i64,
}
crate::rows::from_row!(CaseView {
    id,
    case_no,
    reported_at,
    filed_at,
    solved_at,
    station_id,
    station_name,
    jurisdiction_id,
    jurisdiction_name,
    fraud_type,
    taxonomy_version,
    loss_fen,
    recovered_fen,
    victim_age_band,
    victim_occupation,
    contact_channel,
    status,
    arrested
});

/// What the supervision rules read of a case.
#[derive(Debug, Clone)]
pub struct CaseFact {
    /// Id.
    pub id: i64,
    /// Case number.
    pub case_no: String,
    /// Station.
    pub station_id: i64,
    /// Reported, ms.
    pub reported_at: i64,
    /// Loss, fen.
    pub loss_fen: i64,
    /// The victim's village or community.
    pub jurisdiction_name: String,
    /// Its id.
    pub jurisdiction_id: Option<i64>,
    /// Status.
    pub status: String,
}
crate::rows::from_row!(CaseFact {
    id,
    case_no,
    station_id,
    reported_at,
    loss_fen,
    jurisdiction_name,
    jurisdiction_id,
    status
});

/// One case as statistics read it.
#[derive(Debug, Clone)]
pub struct StatRow {
    /// Reported, ms.
    pub reported_at: i64,
    /// Station.
    pub station_id: i64,
    /// Fraud type id.
    pub fraud_type: String,
    /// Age band code.
    pub victim_age_band: String,
    /// Loss, fen.
    pub loss_fen: i64,
    /// Recovered, fen.
    pub recovered_fen: i64,
    /// Status.
    pub status: String,
    /// Solved, ms.
    pub solved_at: Option<i64>,
    /// Station name.
    pub station_name: String,
    /// The victim's village or community.
    pub jurisdiction_name: String,
    /// Contact channel.
    pub contact_channel: String,
    /// Suspects arrested.
    pub arrested: i64,
    /// The victim's jurisdiction path.
    pub jurisdiction_path: String,
}
crate::rows::from_row!(StatRow {
    reported_at,
    station_id,
    fraud_type,
    victim_age_band,
    loss_fen,
    recovered_fen,
    status,
    solved_at,
    station_name,
    jurisdiction_name,
    contact_channel,
    arrested,
    jurisdiction_path
});

/// Filters of the case list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Reported on or after (ms).
    pub from_ms: Option<i64>,
    /// Reported before (ms).
    pub to_ms: Option<i64>,
    /// Station.
    pub station_id: Option<i64>,
    /// Fraud type id.
    pub fraud_type: Option<String>,
}

const VIEW: &str = "SELECT c.id, c.case_no, c.reported_at, c.filed_at, c.solved_at, c.station_id, s.name AS station_name, c.jurisdiction_id, \
    COALESCE(j.name, '') AS jurisdiction_name, c.fraud_type, c.taxonomy_version, c.loss_fen, c.recovered_fen, c.victim_age_band, c.victim_occupation, \
    c.contact_channel, c.status, c.arrested FROM cases c JOIN police_stations s ON s.id = c.station_id LEFT JOIN jurisdictions j ON j.id = c.jurisdiction_id";

impl Store {
    /// Registers cases in one transaction; each row has its own result (a duplicate case
    /// number is refused without costing the others).
    ///
    /// `audit` builds the change's audit entry from the outcome of each row; it is appended in
    /// the same transaction.
    pub async fn insert_cases(
        &self,
        rows: &[NewCase],
        audit: Option<crate::AuditFor<'_, [Result<i64>]>>,
    ) -> Result<Vec<Result<i64>>> {
        let now = now_ms();
        let mut out = Vec::with_capacity(rows.len());
        let pg = self.is_postgres();
        let _writer = self.audit_writer_if(audit.is_some()).await;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            for c in rows {
                let got: Option<(i64,)> = sqlx::query_as(
                    "INSERT INTO cases (case_no, reported_at, filed_at, solved_at, station_id, jurisdiction_id, jurisdiction_path, fraud_type, taxonomy_version, loss_fen, recovered_fen, victim_resident_id, victim_age_band, victim_occupation, contact_channel, status, created_at, updated_at, arrested) \
                     SELECT $1, $2, $3, $4, $5, j.id, j.path, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17 FROM jurisdictions j WHERE j.id = $6 \
                     ON CONFLICT (case_no) DO NOTHING RETURNING id")
                    .bind(&c.case_no).bind(c.reported_at).bind(c.filed_at).bind(c.solved_at).bind(c.station_id).bind(c.jurisdiction_id)
                    .bind(&c.fraud_type).bind(domain::case::TAXONOMY_VERSION).bind(c.loss_fen).bind(c.recovered_fen).bind(c.victim_resident_id)
                    .bind(&c.victim_age_band).bind(&c.victim_occupation).bind(&c.contact_channel).bind(c.status.as_str()).bind(now).bind(c.arrested)
                    .fetch_optional(&mut *tx).await?;
                if let Some((id,)) = got {
                    for (kind, value) in &c.observables {
                        let (enc, idx) = self.observable_cipher(kind, value)?;
                        sqlx::query("INSERT INTO case_observables (case_id, kind, value_idx, value_enc) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                            .bind(id).bind(kind).bind(idx).bind(enc).execute(&mut *tx).await?;
                    }
                }
                out.push(got.map(|(id,)| id).ok_or_else(|| StoreError::Conflict { field: "case_no", message: format!("'{}' is already registered", c.case_no) }));
            }
            if let Some(audit) = audit {
                append_in_tx!(tx, pg, [audit(&out)]);
            }
            tx.commit().await?;
        });
        Ok(out)
    }

    fn observable_cipher(&self, kind: &str, value: &str) -> Result<(Vec<u8>, Vec<u8>)> {
        let v = self.vault();
        Ok((v.encrypt(pii::Field::Event, value)?, v.blind_index(pii::Field::Event, &format!("{kind}:{value}"))))
    }

    /// The observables of a case in scope, masked.
    pub async fn case_observables(&self, scope: &Scope, id: i64) -> Result<Vec<ObservableView>> {
        self.case(scope, id).await?;
        let rows: Vec<(String, Vec<u8>)> = on_pool!(&self.db, p => sqlx::query_as("SELECT kind, value_enc FROM case_observables WHERE case_id = $1 ORDER BY kind, value_idx")
            .bind(id).fetch_all(p).await?);
        let v = self.vault();
        rows.into_iter()
            .map(|(kind, enc)| {
                let clear = v.decrypt(pii::Field::Event, &enc)?;
                let value = if matches!(kind.as_str(), "url" | "app") {
                    clear
                } else {
                    domain::person::mask_keep(&clear, 3, 4)
                };
                Ok(ObservableView { kind, value })
            })
            .collect()
    }

    /// The cluster of cases linked to `id` through shared observables (breadth first, at most
    /// `limit` cases), those in scope, nearest first.
    pub async fn linked_cases(&self, scope: &Scope, id: i64, limit: usize) -> Result<Vec<LinkedCase>> {
        self.case(scope, id).await?;
        let mut dist: std::collections::HashMap<i64, u32> = std::collections::HashMap::from([(id, 0)]);
        let mut frontier = vec![id];
        let mut d = 0;
        while !frontier.is_empty() && dist.len() < limit {
            d += 1;
            let mut next = Vec::new();
            for c in frontier {
                let linked: Vec<(i64,)> = on_pool!(&self.db, p => sqlx::query_as(
                    "SELECT DISTINCT o2.case_id FROM case_observables o1 JOIN case_observables o2 ON o2.value_idx = o1.value_idx AND o2.kind = o1.kind WHERE o1.case_id = $1 AND o2.case_id <> $1")
                    .bind(c).fetch_all(p).await?);
                for (other,) in linked {
                    if dist.len() >= limit {
                        break;
                    }
                    if let std::collections::hash_map::Entry::Vacant(e) = dist.entry(other) {
                        e.insert(d);
                        next.push(other);
                    }
                }
            }
            frontier = next;
        }
        let mut out = Vec::new();
        for (cid, distance) in dist {
            if cid == id {
                continue;
            }
            // Linked cases outside the caller's area are not shown (nor counted).
            match self.case(scope, cid).await {
                Ok(case) => out.push(LinkedCase { case, distance }),
                Err(StoreError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        out.sort_by(|a, b| a.distance.cmp(&b.distance).then(b.case.reported_at.cmp(&a.case.reported_at)));
        Ok(out)
    }

    /// Cases in scope, newest first.
    pub async fn list_cases(&self, scope: &Scope, filter: &CaseFilter, page: PageReq) -> Result<Page<CaseView>> {
        let mut f = Filter::default();
        f.scope("c.jurisdiction_path", scope);
        if let Some(v) = filter.from_ms {
            let b = f.bind(Arg::I64(v));
            f.and(format!("c.reported_at >= {b}"));
        }
        if let Some(v) = filter.to_ms {
            let b = f.bind(Arg::I64(v));
            f.and(format!("c.reported_at < {b}"));
        }
        if let Some(v) = filter.station_id {
            let b = f.bind(Arg::I64(v));
            f.and(format!("c.station_id = {b}"));
        }
        if let Some(v) = &filter.fraud_type {
            let b = f.bind(Arg::Text(v.clone()));
            f.and(format!("c.fraud_type = {b}"));
        }
        let count_sql = format!("SELECT COUNT(*) FROM cases c{}", f.sql());
        let n = f.args.len();
        let lim = f.bind(Arg::I64(page.limit()));
        let off = f.bind(Arg::I64(page.offset()));
        let sql = format!("{VIEW}{} ORDER BY c.reported_at DESC, c.id DESC LIMIT {lim} OFFSET {off}", f.sql());
        let (items, total) = on_pool!(&self.db, p => {
            let rows: Vec<CaseView> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?;
            let (total,): (i64,) = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)), f.args[..n]).fetch_one(p).await?;
            (rows, total)
        });
        Ok(Page { items, total, page: page.page.max(1), per_page: page.limit() })
    }

    /// One case in scope.
    pub async fn case(&self, scope: &Scope, id: i64) -> Result<CaseView> {
        let mut f = Filter::default();
        let b = f.bind(Arg::I64(id));
        f.and(format!("c.id = {b}"));
        f.scope("c.jurisdiction_path", scope);
        let sql = format!("{VIEW}{}", f.sql());
        let row: Option<CaseView> = on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_optional(p).await?);
        row.ok_or(StoreError::NotFound("case"))
    }

    /// Moves a case forward in its lifecycle; a closed case never changes again.
    pub async fn set_case_status(
        &self,
        scope: &Scope,
        id: i64,
        to: CaseStatus,
        at_ms: i64,
        arrested: Option<i64>,
        audit: AuditContent,
    ) -> Result<CaseView> {
        let current = self.case(scope, id).await?;
        let from = CaseStatus::parse(&current.status)?;
        if !from.may_become(to) {
            return Err(StoreError::Conflict {
                field: "status",
                message: format!("a {} case cannot become {}", from.as_str(), to.as_str()),
            });
        }
        // Filing and solving keep their time; closing only changes the status.
        let stamp = match to {
            CaseStatus::Filed => "filed_at = COALESCE(filed_at, $2), ",
            CaseStatus::Solved => "solved_at = COALESCE(solved_at, $2), ",
            // Closing keeps both times; $2 still appears so that every variant binds alike.
            _ => "filed_at = COALESCE(filed_at, NULL + $2), ",
        };
        // The status in the WHERE clause makes the change conditional on nobody having moved
        // the case meanwhile.
        // Arrests are recorded with the step that brought them (solving, usually); none given keeps the count.
        let sql = format!(
            "UPDATE cases SET status = $1, {stamp}updated_at = $3, arrested = COALESCE($6, arrested) WHERE id = $4 AND status = $5"
        );
        let pg = self.is_postgres();
        let _writer = self.audit_writer().await;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(to.as_str()).bind(at_ms).bind(now_ms()).bind(id).bind(from.as_str()).bind(arrested).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict {
                    field: "status",
                    message: "the case was changed meanwhile; reload it".into(),
                });
            }
            append_in_tx!(tx, pg, [audit]);
            tx.commit().await?;
        });
        self.case(scope, id).await
    }

    /// The cases reported in `[from, to)` and registered no later than `cutoff_ms` (the data
    /// cut-off of a ranking), as the supervision rules need them.
    pub async fn case_facts(&self, from_ms: i64, to_ms: i64, cutoff_ms: i64) -> Result<Vec<CaseFact>> {
        Ok(on_pool!(&self.db, p => sqlx::query_as(
            "SELECT c.id, c.case_no, c.station_id, c.reported_at, c.loss_fen, COALESCE(j.name, '') AS jurisdiction_name, c.jurisdiction_id, c.status FROM cases c \
             LEFT JOIN jurisdictions j ON j.id = c.jurisdiction_id WHERE c.reported_at >= $1 AND c.reported_at < $2 AND c.created_at <= $3 ORDER BY c.reported_at, c.id")
            .bind(from_ms).bind(to_ms).bind(cutoff_ms).fetch_all(p).await?))
    }

    /// Monthly figures of the cases in scope reported in `[from, to)`: `(reported_at, station_id,
    /// fraud_type, age band, loss, recovered, status, solved_at)` rows, for statistics.
    pub async fn case_stats_rows(&self, scope: &Scope, from_ms: i64, to_ms: i64) -> Result<Vec<StatRow>> {
        let mut f = Filter::default();
        f.scope("c.jurisdiction_path", scope);
        let a = f.bind(Arg::I64(from_ms));
        let b = f.bind(Arg::I64(to_ms));
        f.and(format!("c.reported_at >= {a} AND c.reported_at < {b}"));
        let sql = format!(
            "SELECT c.reported_at, c.station_id, c.fraud_type, c.victim_age_band, c.loss_fen, c.recovered_fen, c.status, c.solved_at, s.name AS station_name, \
             COALESCE(j.name, '') AS jurisdiction_name, c.contact_channel, c.arrested, c.jurisdiction_path FROM cases c JOIN police_stations s ON s.id = c.station_id \
             LEFT JOIN jurisdictions j ON j.id = c.jurisdiction_id{} ORDER BY c.reported_at, c.id",
            f.sql()
        );
        Ok(on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?))
    }

    /// Residents of each station's precinct by the figures in force on `date` (`YYYY-MM-DD`).
    pub async fn station_populations(&self, date: &str) -> Result<Vec<(i64, i64)>> {
        let rows: Vec<(i64, Option<i64>)> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT sp.station_id, CAST(SUM((SELECT f.residents FROM population_figures f WHERE f.jurisdiction_id = sp.jurisdiction_id AND f.as_of <= $1 ORDER BY f.as_of DESC LIMIT 1)) AS BIGINT) \
             FROM station_precincts sp GROUP BY sp.station_id ORDER BY sp.station_id")
            .bind(date).fetch_all(p).await?);
        Ok(rows.into_iter().map(|(s, n)| (s, n.unwrap_or(0))).collect())
    }

    /// A stored ranking for a month, rules version and cut-off.
    pub async fn stored_ranking(&self, month: &str, rules_version: &str, cutoff_ms: i64) -> Result<Option<String>> {
        let r: Option<(String,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT body FROM ranking_results WHERE month = $1 AND rules_version = $2 AND cutoff_ms = $3")
            .bind(month).bind(rules_version).bind(cutoff_ms).fetch_optional(p).await?);
        Ok(r.map(|(b,)| b))
    }

    /// The latest stored ranking of a month under a rules version: `(cutoff_ms, body)`.
    pub async fn latest_stored_ranking(&self, month: &str, rules_version: &str) -> Result<Option<(i64, String)>> {
        Ok(
            on_pool!(&self.db, p => sqlx::query_as("SELECT cutoff_ms, body FROM ranking_results WHERE month = $1 AND rules_version = $2 ORDER BY cutoff_ms DESC LIMIT 1")
            .bind(month).bind(rules_version).fetch_optional(p).await?),
        )
    }

    /// Stores a ranking once, with `audit` (its publication) in the same transaction; a second
    /// store of the same key keeps the first and writes no entry.
    pub async fn store_ranking(
        &self,
        month: &str,
        rules_version: &str,
        cutoff_ms: i64,
        body: &str,
        audit: Option<AuditContent>,
    ) -> Result<()> {
        crate::audit::execute_audited!(self, audit, sqlx::query("INSERT INTO ranking_results (month, rules_version, cutoff_ms, body, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (month, rules_version, cutoff_ms) DO NOTHING")
            .bind(month).bind(rules_version).bind(cutoff_ms).bind(body).bind(now_ms()));
        Ok(())
    }
}
