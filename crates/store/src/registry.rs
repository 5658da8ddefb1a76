//! Jurisdictions, population figures, member units and police stations.

use domain::{JurisdictionKind, MemberUnitKind, Scope};
use serde::Serialize;

use crate::sql::{Arg, Filter, bind_args, like_escape};
use crate::{BeginWrite, Page, PageReq, Result, Store, StoreError, now_ms, on_pool};

/// Stations' names by id ([`Store::station_names`]).
#[derive(Debug, Clone, Default)]
pub struct StationNames(std::collections::HashMap<i64, String>);

impl StationNames {
    /// Where a warning of `station` goes, as people read it: the station's name, or the
    /// centre's queue (反诈中心) when no station is responsible.
    pub fn of(&self, station: Option<i64>) -> String {
        station.and_then(|id| self.0.get(&id).cloned()).unwrap_or_else(|| CENTRE_ZH.to_string())
    }
}

/// The anti-fraud centre, which takes the warnings no station is responsible for.
pub const CENTRE_ZH: &str = "反诈中心";

/// A node of the area tree, with the population figure in force today.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Jurisdiction {
    /// Stable id.
    pub id: i64,
    /// Parent node; `None` for the county.
    pub parent_id: Option<i64>,
    /// `county`, `town`, `village` or `grid`.
    pub kind: String,
    /// Administrative code, unique.
    pub code: String,
    /// Name.
    pub name: String,
    /// Materialised path (`/1/5/23/`).
    pub path: String,
    /// The latest population figure on or before today, if any.
    pub residents: Option<i64>,
    /// The date of that figure.
    pub residents_as_of: Option<String>,
}
crate::rows::from_row!(Jurisdiction { id, parent_id, kind, code, name, path, residents, residents_as_of });

/// What is needed to add a node.
#[derive(Debug, Clone)]
pub struct NewJurisdiction {
    /// Parent node; `None` only for the county.
    pub parent_id: Option<i64>,
    /// Level.
    pub kind: JurisdictionKind,
    /// Administrative code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// One dated population figure.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PopulationRow {
    /// The node.
    pub jurisdiction_id: i64,
    /// `YYYY-MM-DD`: the day from which it holds.
    pub as_of: String,
    /// Residents.
    pub residents: i64,
    /// Where the figure comes from.
    pub source: String,
}
crate::rows::from_row!(PopulationRow { jurisdiction_id, as_of, residents, source });

/// A member unit of the leading group.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberUnit {
    /// Stable id.
    pub id: i64,
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind, as [`MemberUnitKind::as_str`].
    pub kind: String,
    /// The unit it belongs to (a bank outlet under a branch, a school under the bureau).
    pub parent_unit_id: Option<i64>,
    /// Where it sits.
    pub jurisdiction_id: i64,
    /// The seat's path.
    pub jurisdiction_path: String,
    /// Contact person.
    pub contact_name: String,
}
crate::rows::from_row!(MemberUnit {
    id,
    code,
    name,
    kind,
    parent_unit_id,
    jurisdiction_id,
    jurisdiction_path,
    contact_name
});

/// What is needed to add a unit.
#[derive(Debug, Clone)]
pub struct NewMemberUnit {
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: MemberUnitKind,
    /// Parent unit.
    pub parent_unit_id: Option<i64>,
    /// Seat.
    pub jurisdiction_id: i64,
    /// Contact person.
    pub contact_name: String,
    /// Jurisdictions it covers besides its seat.
    pub covers: Vec<i64>,
}

/// Filter for unit lists.
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    /// Only this kind.
    pub kind: Option<MemberUnitKind>,
    /// Name contains.
    pub q: Option<String>,
}

/// A police station with its precinct.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PoliceStation {
    /// Stable id.
    pub id: i64,
    /// Its member-unit record.
    pub unit_id: i64,
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Station chief (所长).
    pub chief_name: String,
    /// Deputy chief (副所长).
    pub deputy_chief_name: String,
    /// The jurisdictions of its precinct.
    pub precinct: Vec<i64>,
    /// Their paths, used as the station's scope.
    pub precinct_paths: Vec<String>,
}

/// What is needed to add a station.
#[derive(Debug, Clone)]
pub struct NewStation {
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Seat of the station.
    pub jurisdiction_id: i64,
    /// Chief.
    pub chief_name: String,
    /// Deputy chief.
    pub deputy_chief_name: String,
    /// Precinct.
    pub precinct: Vec<i64>,
}

/// The columns of [`Jurisdiction`]; `today` is the placeholder bound to today's date.
fn jur_cols(today: &str) -> String {
    format!(
        "j.id, j.parent_id, j.kind, j.code, j.name, j.path, \
         (SELECT p.residents FROM population_figures p WHERE p.jurisdiction_id = j.id AND p.as_of <= {today} ORDER BY p.as_of DESC LIMIT 1) AS residents, \
         (SELECT p.as_of FROM population_figures p WHERE p.jurisdiction_id = j.id AND p.as_of <= {today} ORDER BY p.as_of DESC LIMIT 1) AS residents_as_of"
    )
}

fn today() -> String {
    domain::time::china_date(now_ms()).map(|d| d.to_string()).unwrap_or_default()
}

fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Inserts member unit `$n` seated at `$seat` (a checked [`Jurisdiction`]) and its coverage in
/// transaction `$tx`; evaluates to its id. A code already taken returns the conflict.
macro_rules! insert_unit {
    ($tx:ident, $n:expr, $seat:expr, $now:expr) => {{
        let r: std::result::Result<(i64,), sqlx::Error> = sqlx::query_as(
            "INSERT INTO member_units (code, name, kind, parent_unit_id, jurisdiction_id, jurisdiction_path, contact_name, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id")
            .bind($n.code.trim()).bind($n.name.trim()).bind($n.kind.as_str()).bind($n.parent_unit_id).bind($seat.id).bind(&$seat.path)
            .bind(&$n.contact_name).bind($now).fetch_one(&mut *$tx).await;
        let (id,) = match r {
            Err(e) if unique_violation(&e) => return Err(StoreError::Conflict { field: "code", message: format!("unit code '{}' exists", $n.code) }),
            other => other?,
        };
        for j in $n.covers.iter().chain(std::iter::once(&$seat.id)) {
            sqlx::query("INSERT INTO unit_coverage (unit_id, jurisdiction_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id).bind(*j).execute(&mut *$tx).await?;
        }
        id
    }};
}

/// Replaces station `$station_id`'s precinct with `$jurisdictions` in transaction `$tx`. A
/// jurisdiction belongs to at most one station: taking it removes it from any other.
macro_rules! replace_precinct {
    ($tx:ident, $station_id:expr, $jurisdictions:expr) => {{
        sqlx::query("DELETE FROM station_precincts WHERE station_id = $1").bind($station_id).execute(&mut *$tx).await?;
        for j in $jurisdictions {
            sqlx::query(
                "INSERT INTO station_precincts (jurisdiction_id, station_id) VALUES ($1, $2) \
                         ON CONFLICT (jurisdiction_id) DO UPDATE SET station_id = excluded.station_id",
            )
            .bind(*j)
            .bind($station_id)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

impl Store {
    /// Adds a node under its parent, checking the level.
    pub async fn create_jurisdiction(
        &self,
        n: &NewJurisdiction,
        audit: Option<crate::AuditFor<'_, i64>>,
    ) -> Result<Jurisdiction> {
        let parent = match n.parent_id {
            Some(pid) => Some(self.jurisdiction(pid).await?.ok_or(StoreError::NotFound("parent jurisdiction"))?),
            None => None,
        };
        let parent_kind = parent.as_ref().map(|p| JurisdictionKind::parse(&p.kind)).transpose()?;
        n.kind.check_parent(parent_kind)?;
        domain::text::line("code", n.code.trim(), domain::text::NAME_MAX_CHARS)?;
        if n.code.trim().is_empty() {
            return Err(domain::InvalidValue::new("code", "must not be empty").into());
        }
        domain::text::name("name", &n.name)?;
        let now = now_ms();
        let (pg, has_audit) = (self.is_postgres(), audit.is_some());
        let _writer = self.audit_writer_if(has_audit).await;
        let id = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let r: std::result::Result<(i64,), sqlx::Error> = sqlx::query_as(
                "INSERT INTO jurisdictions (parent_id, kind, code, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id")
                .bind(n.parent_id).bind(n.kind.as_str()).bind(n.code.trim()).bind(n.name.trim()).bind(now)
                .fetch_one(&mut *tx).await;
            let (id,) = match r {
                Err(e) if unique_violation(&e) => return Err(StoreError::Conflict { field: "code", message: format!("jurisdiction code '{}' exists", n.code) }),
                other => other?,
            };
            let path = domain::jurisdiction::child_path(parent.as_ref().map(|p| p.path.as_str()), id);
            sqlx::query("UPDATE jurisdictions SET path = $1 WHERE id = $2").bind(&path).bind(id).execute(&mut *tx).await?;
            if let Some(a) = audit {
                crate::audit::append_in_tx!(tx, pg, [a(&id)]);
            }
            tx.commit().await?;
            id
        });
        self.jurisdiction(id).await?.ok_or(StoreError::NotFound("jurisdiction"))
    }

    /// One node by id.
    pub async fn jurisdiction(&self, id: i64) -> Result<Option<Jurisdiction>> {
        let sql = format!("SELECT {} FROM jurisdictions j WHERE j.id = $2", jur_cols("$1"));
        Ok(
            on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(today()).bind(id).fetch_optional(p).await?),
        )
    }

    /// One node by its administrative code.
    pub async fn jurisdiction_by_code(&self, code: &str) -> Result<Option<Jurisdiction>> {
        let sql = format!("SELECT {} FROM jurisdictions j WHERE j.code = $2", jur_cols("$1"));
        Ok(
            on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(today()).bind(code.trim()).fetch_optional(p).await?),
        )
    }

    /// Nodes in scope, optionally of one kind, under one parent or matching a name.
    pub async fn list_jurisdictions(
        &self,
        scope: &Scope,
        kind: Option<JurisdictionKind>,
        parent_id: Option<i64>,
        q: Option<&str>,
        page: PageReq,
    ) -> Result<Page<Jurisdiction>> {
        let mut f = Filter::default();
        f.scope("j.path", scope);
        if let Some(k) = kind {
            let ph = f.bind(Arg::Text(k.as_str().into()));
            f.and(format!("j.kind = {ph}"));
        }
        if let Some(pid) = parent_id {
            let ph = f.bind(Arg::I64(pid));
            f.and(format!("j.parent_id = {ph}"));
        }
        if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
            let ph = f.bind(Arg::Text(format!("%{}%", like_escape(q.trim()))));
            f.and(format!("j.name LIKE {ph} ESCAPE '\\'"));
        }
        let count_sql = format!("SELECT COUNT(*) FROM jurisdictions j{}", f.sql());
        let n = f.args.len();
        // `$n` binds argument n on both backends (sqlx maps SQLite's `$NNN` by number), so the
        // column list may use a placeholder bound after those of the WHERE clause.
        let t = f.bind(Arg::Text(today()));
        let lim = f.bind(Arg::I64(page.limit()));
        let off = f.bind(Arg::I64(page.offset()));
        let sql =
            format!("SELECT {} FROM jurisdictions j{} ORDER BY j.path LIMIT {lim} OFFSET {off}", jur_cols(&t), f.sql());
        let (items, total) = on_pool!(&self.db, p => {
            let items: Vec<Jurisdiction> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?;
            let (total,): (i64,) = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)), f.args[..n]).fetch_one(p).await?;
            (items, total)
        });
        Ok(Page { items, total, page: page.page.max(1), per_page: page.limit() })
    }

    /// Every node in scope, for the tree view (a county has a few thousand).
    pub async fn jurisdiction_tree(&self, scope: &Scope) -> Result<Vec<Jurisdiction>> {
        let mut f = Filter::default();
        f.scope("j.path", scope);
        let t = f.bind(Arg::Text(today()));
        let sql = format!("SELECT {} FROM jurisdictions j{} ORDER BY j.path", jur_cols(&t), f.sql());
        Ok(on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?))
    }

    /// Renames a node or changes its code.
    pub async fn update_jurisdiction(
        &self,
        id: i64,
        code: Option<&str>,
        name: Option<&str>,
        audit: Option<domain::audit::AuditContent>,
    ) -> Result<Jurisdiction> {
        let cur = self.jurisdiction(id).await?.ok_or(StoreError::NotFound("jurisdiction"))?;
        let code = code.map(str::trim).filter(|s| !s.is_empty()).unwrap_or(&cur.code).to_string();
        let name = name.map(str::trim).filter(|s| !s.is_empty()).unwrap_or(&cur.name).to_string();
        domain::text::line("code", &code, domain::text::NAME_MAX_CHARS)?;
        domain::text::name("name", &name)?;
        let r: Result<u64> = async {
            Ok(crate::audit::execute_audited!(
                self,
                audit,
                sqlx::query("UPDATE jurisdictions SET code = $1, name = $2, updated_at = $3 WHERE id = $4")
                    .bind(&code)
                    .bind(&name)
                    .bind(now_ms())
                    .bind(id)
            ))
        }
        .await;
        match r {
            Err(StoreError::Db(e)) if unique_violation(&e) => {
                Err(StoreError::Conflict { field: "code", message: format!("jurisdiction code '{code}' exists") })
            }
            other => {
                other?;
                self.jurisdiction(id).await?.ok_or(StoreError::NotFound("jurisdiction"))
            }
        }
    }

    /// Records (or corrects) the population of a node as of a date.
    pub async fn set_population(
        &self,
        jurisdiction_id: i64,
        as_of: jiff::civil::Date,
        residents: i64,
        source: &str,
        audit: Option<domain::audit::AuditContent>,
    ) -> Result<()> {
        if residents < 0 {
            return Err(domain::InvalidValue::new("residents", "must not be negative").into());
        }
        self.jurisdiction(jurisdiction_id).await?.ok_or(StoreError::NotFound("jurisdiction"))?;
        crate::audit::execute_audited!(self, audit, sqlx::query(
            "INSERT INTO population_figures (jurisdiction_id, as_of, residents, source) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (jurisdiction_id, as_of) DO UPDATE SET residents = excluded.residents, source = excluded.source")
            .bind(jurisdiction_id).bind(as_of.to_string()).bind(residents).bind(source));
        Ok(())
    }

    /// Many population figures in one transaction (imports, the demo).
    pub async fn set_populations(&self, rows: &[PopulationRow]) -> Result<()> {
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            for r in rows {
                sqlx::query(
                    "INSERT INTO population_figures (jurisdiction_id, as_of, residents, source) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (jurisdiction_id, as_of) DO UPDATE SET residents = excluded.residents, source = excluded.source")
                    .bind(r.jurisdiction_id).bind(&r.as_of).bind(r.residents).bind(&r.source).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// All figures of a node, oldest first.
    pub async fn population_figures(&self, jurisdiction_id: i64) -> Result<Vec<PopulationRow>> {
        Ok(on_pool!(&self.db, p => sqlx::query_as(
            "SELECT jurisdiction_id, as_of, residents, source FROM population_figures WHERE jurisdiction_id = $1 ORDER BY as_of")
            .bind(jurisdiction_id).fetch_all(p).await?))
    }

    /// The population of a node in force at the end of a period (see [`domain::population::in_force`]).
    pub async fn population_in_force(
        &self,
        jurisdiction_id: i64,
        period_end: jiff::civil::Date,
    ) -> Result<Option<i64>> {
        let figs = self.population_figures(jurisdiction_id).await?;
        let parsed: Vec<_> = figs
            .iter()
            .filter_map(|r| {
                r.as_of.parse().ok().map(|d| domain::population::PopulationFigure { as_of: d, residents: r.residents })
            })
            .collect();
        Ok(domain::population::in_force(&parsed, period_end).map(|f| f.residents))
    }

    /// Every node of the subtree at `path` with its population figure in force on `date`
    /// (`YYYY-MM-DD`): `(id, parent id, kind, name, path, residents)`.
    pub async fn subtree_populations(
        &self,
        path: &str,
        date: &str,
    ) -> Result<Vec<(i64, Option<i64>, String, String, String, Option<i64>)>> {
        Ok(on_pool!(&self.db, p => sqlx::query_as(
            "SELECT j.id, j.parent_id, j.kind, j.name, j.path, (SELECT f.residents FROM population_figures f WHERE f.jurisdiction_id = j.id AND f.as_of <= $3 ORDER BY f.as_of DESC LIMIT 1) \
             FROM jurisdictions j WHERE j.path >= $1 AND j.path < $2 ORDER BY j.path")
            .bind(path).bind(crate::sql::path_upper_bound(path)).bind(date).fetch_all(p).await?))
    }

    /// Adds a member unit.
    /// The audit entry, built from the new id, commits with the unit.
    pub async fn create_unit(&self, n: &NewMemberUnit, audit: Option<crate::AuditFor<'_, i64>>) -> Result<MemberUnit> {
        let seat = self.checked_unit(n).await?;
        let now = now_ms();
        let (pg, has_audit) = (self.is_postgres(), audit.is_some());
        let _writer = self.audit_writer_if(has_audit).await;
        let id = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let id = insert_unit!(tx, n, seat, now);
            if let Some(a) = audit {
                crate::audit::append_in_tx!(tx, pg, [a(&id)]);
            }
            tx.commit().await?;
            id
        });
        self.unit(id).await?.ok_or(StoreError::NotFound("unit"))
    }

    /// The seat of a new unit, once its code and name are checked.
    async fn checked_unit(&self, n: &NewMemberUnit) -> Result<Jurisdiction> {
        let seat = self.jurisdiction(n.jurisdiction_id).await?.ok_or(StoreError::NotFound("jurisdiction"))?;
        domain::text::line("code", n.code.trim(), domain::text::NAME_MAX_CHARS)?;
        if n.code.trim().is_empty() {
            return Err(domain::InvalidValue::new("code", "must not be empty").into());
        }
        domain::text::name("name", &n.name)?;
        Ok(seat)
    }

    /// One unit by id.
    pub async fn unit(&self, id: i64) -> Result<Option<MemberUnit>> {
        Ok(on_pool!(&self.db, p => sqlx::query_as(
            "SELECT id, code, name, kind, parent_unit_id, jurisdiction_id, jurisdiction_path, contact_name FROM member_units WHERE id = $1")
            .bind(id).fetch_optional(p).await?))
    }

    /// One unit by code.
    pub async fn unit_by_code(&self, code: &str) -> Result<Option<MemberUnit>> {
        Ok(on_pool!(&self.db, p => sqlx::query_as(
            "SELECT id, code, name, kind, parent_unit_id, jurisdiction_id, jurisdiction_path, contact_name FROM member_units WHERE code = $1")
            .bind(code.trim()).fetch_optional(p).await?))
    }

    /// The jurisdictions a unit covers.
    pub async fn unit_coverage(&self, unit_id: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT jurisdiction_id FROM unit_coverage WHERE unit_id = $1 ORDER BY jurisdiction_id")
            .bind(unit_id).fetch_all(p).await?);
        Ok(rows.into_iter().map(|(j,)| j).collect())
    }

    /// Units whose seat is in scope, or that sit above it (a station sees the county office).
    pub async fn list_units(&self, scope: &Scope, filter: &UnitFilter, page: PageReq) -> Result<Page<MemberUnit>> {
        let mut f = Filter::default();
        if let Some(roots) = scope.roots() {
            // A unit is visible when its seat is inside a scope root or is an ancestor of one.
            let mut parts = Vec::new();
            for r in roots {
                let lo = f.bind(Arg::Text(r.clone()));
                let hi = f.bind(Arg::Text(crate::sql::path_upper_bound(r)));
                parts.push(format!("(jurisdiction_path >= {lo} AND jurisdiction_path < {hi})"));
                let whole = f.bind(Arg::Text(r.clone()));
                parts.push(format!("({whole} LIKE jurisdiction_path || '%')"));
            }
            f.and(if parts.is_empty() { "1 = 0".into() } else { format!("({})", parts.join(" OR ")) });
        }
        if let Some(k) = filter.kind {
            let ph = f.bind(Arg::Text(k.as_str().into()));
            f.and(format!("kind = {ph}"));
        }
        if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
            let ph = f.bind(Arg::Text(format!("%{}%", like_escape(q.trim()))));
            f.and(format!("name LIKE {ph} ESCAPE '\\'"));
        }
        let count_sql = format!("SELECT COUNT(*) FROM member_units{}", f.sql());
        let n = f.args.len();
        let lim = f.bind(Arg::I64(page.limit()));
        let off = f.bind(Arg::I64(page.offset()));
        let sql = format!(
            "SELECT id, code, name, kind, parent_unit_id, jurisdiction_id, jurisdiction_path, contact_name FROM member_units{} ORDER BY id LIMIT {lim} OFFSET {off}",
            f.sql()
        );
        let (items, total) = on_pool!(&self.db, p => {
            let items: Vec<MemberUnit> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?;
            let (total,): (i64,) = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)), f.args[..n]).fetch_one(p).await?;
            (items, total)
        });
        Ok(Page { items, total, page: page.page.max(1), per_page: page.limit() })
    }

    /// Changes a unit's name or contact.
    pub async fn update_unit(
        &self,
        id: i64,
        name: Option<&str>,
        contact_name: Option<&str>,
        audit: Option<domain::audit::AuditContent>,
    ) -> Result<MemberUnit> {
        let cur = self.unit(id).await?.ok_or(StoreError::NotFound("unit"))?;
        let name = name.map(str::trim).filter(|s| !s.is_empty()).unwrap_or(&cur.name).to_string();
        let contact = contact_name.map(str::trim).unwrap_or(&cur.contact_name).to_string();
        domain::text::name("name", &name)?;
        if !contact.is_empty() {
            domain::text::name("contact_name", &contact)?;
        }
        crate::audit::execute_audited!(
            self,
            audit,
            sqlx::query("UPDATE member_units SET name = $1, contact_name = $2, updated_at = $3 WHERE id = $4")
                .bind(&name)
                .bind(&contact)
                .bind(now_ms())
                .bind(id)
        );
        self.unit(id).await?.ok_or(StoreError::NotFound("unit"))
    }

    /// Adds a police station (and its member-unit record) with its precinct.
    /// Its member unit, the station, its precinct and the audit entry (built from the station's
    /// id) commit together.
    pub async fn create_station(
        &self,
        n: &NewStation,
        audit: Option<crate::AuditFor<'_, i64>>,
    ) -> Result<PoliceStation> {
        let unit = NewMemberUnit {
            code: n.code.clone(),
            name: n.name.clone(),
            kind: MemberUnitKind::PoliceStation,
            parent_unit_id: None,
            jurisdiction_id: n.jurisdiction_id,
            contact_name: n.chief_name.clone(),
            covers: n.precinct.clone(),
        };
        let seat = self.checked_unit(&unit).await?;
        let now = now_ms();
        let (pg, has_audit) = (self.is_postgres(), audit.is_some());
        let _writer = self.audit_writer_if(has_audit).await;
        let id = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let unit_id = insert_unit!(tx, unit, seat, now);
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO police_stations (unit_id, code, name, chief_name, deputy_chief_name, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(unit_id).bind(n.code.trim()).bind(n.name.trim()).bind(&n.chief_name).bind(&n.deputy_chief_name).bind(now)
                .fetch_one(&mut *tx).await?;
            replace_precinct!(tx, id, &n.precinct);
            if let Some(a) = audit {
                crate::audit::append_in_tx!(tx, pg, [a(&id)]);
            }
            tx.commit().await?;
            id
        });
        self.station(id).await?.ok_or(StoreError::NotFound("station"))
    }

    /// Replaces a station's precinct. A jurisdiction belongs to at most one station; taking it
    /// into this precinct removes it from any other.
    pub async fn set_precinct(
        &self,
        station_id: i64,
        jurisdictions: &[i64],
        audit: Option<domain::audit::AuditContent>,
    ) -> Result<()> {
        let pg = self.is_postgres();
        let _writer = self.audit_writer_if(audit.is_some()).await;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            replace_precinct!(tx, station_id, jurisdictions);
            if let Some(audit) = audit {
                crate::audit::append_in_tx!(tx, pg, [audit]);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// One station with its precinct.
    pub async fn station(&self, id: i64) -> Result<Option<PoliceStation>> {
        let row: Option<(i64, i64, String, String, String, String)> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT id, unit_id, code, name, chief_name, deputy_chief_name FROM police_stations WHERE id = $1")
            .bind(id).fetch_optional(p).await?);
        let Some((id, unit_id, code, name, chief_name, deputy_chief_name)) = row else { return Ok(None) };
        let prec: Vec<(i64, String)> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT sp.jurisdiction_id, j.path FROM station_precincts sp JOIN jurisdictions j ON j.id = sp.jurisdiction_id WHERE sp.station_id = $1 ORDER BY j.path")
            .bind(id).fetch_all(p).await?);
        Ok(Some(PoliceStation {
            id,
            unit_id,
            code,
            name,
            chief_name,
            deputy_chief_name,
            precinct: prec.iter().map(|(j, _)| *j).collect(),
            precinct_paths: prec.into_iter().map(|(_, p)| p).collect(),
        }))
    }

    /// The station whose member-unit record is `unit_id`.
    pub async fn station_by_unit(&self, unit_id: i64) -> Result<Option<PoliceStation>> {
        let row: Option<(i64,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT id FROM police_stations WHERE unit_id = $1").bind(unit_id).fetch_optional(p).await?);
        match row {
            Some((id,)) => self.station(id).await,
            None => Ok(None),
        }
    }

    /// All stations, with precincts.
    pub async fn list_stations(&self) -> Result<Vec<PoliceStation>> {
        let ids: Vec<(i64,)> =
            on_pool!(&self.db, p => sqlx::query_as("SELECT id FROM police_stations ORDER BY id").fetch_all(p).await?);
        let mut out = Vec::with_capacity(ids.len());
        for (id,) in ids {
            if let Some(s) = self.station(id).await? {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// Every station's name by id, for naming where warnings went.
    pub async fn station_names(&self) -> Result<StationNames> {
        let rows: Vec<(i64, String)> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT s.id, u.name FROM police_stations s JOIN member_units u ON u.id = s.unit_id"
        ).fetch_all(p).await?);
        Ok(StationNames(rows.into_iter().collect()))
    }

    /// The jurisdiction a station sits in (its unit's).
    pub async fn station_seat(&self, id: i64) -> Result<Option<Jurisdiction>> {
        let r: Option<(i64,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT u.jurisdiction_id FROM police_stations s JOIN member_units u ON u.id = s.unit_id WHERE s.id = $1")
            .bind(id).fetch_optional(p).await?);
        match r {
            Some((j,)) => self.jurisdiction(j).await,
            None => Ok(None),
        }
    }

    /// The station of the residence a payer's phone is registered at, as routing sends a
    /// person's warning (none: no valid phone, or unknown: the centre's).
    pub async fn residence_station(&self, payer_person: Option<&str>) -> Result<Option<i64>> {
        let Some(phone) = payer_person.and_then(|p| domain::Phone::parse(p).ok()) else { return Ok(None) };
        match self.route_phone(&phone).await? {
            Some((_, path)) => self.station_for_path(&path).await,
            None => Ok(None),
        }
    }

    /// The station responsible for a node: the precinct entry of the node or its nearest ancestor.
    pub async fn station_for_path(&self, path: &str) -> Result<Option<i64>> {
        let ids: Vec<i64> = path.split('/').filter_map(|s| s.parse().ok()).collect();
        for j in ids.iter().rev() {
            let r: Option<(i64,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT station_id FROM station_precincts WHERE jurisdiction_id = $1")
                .bind(*j).fetch_optional(p).await?);
            if let Some((s,)) = r {
                return Ok(Some(s));
            }
        }
        Ok(None)
    }
}
