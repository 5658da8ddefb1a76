//! Writes the demo county through the store, once; a second run finds it and reuses it.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Config;

/// Builds the demo county in `store` unless it is already there; returns its plan.
pub async fn ensure(store: &store::Store, seed: u64, residents: u32) -> anyhow::Result<demo::CountyPlan> {
    let plan = demo::plan(seed, residents);
    let county = &plan.nodes[0];
    if store.jurisdiction_by_code(&county.code).await?.is_some() {
        eprintln!("Demo county already present ({} residents); reusing it.", store.count_residents().await?);
        return Ok(plan);
    }
    let started = Instant::now();
    let style = ProgressStyle::with_template("{prefix:>10} [{bar:40}] {pos}/{len} {msg} ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");

    let bar = ProgressBar::new(plan.nodes.len() as u64).with_style(style.clone()).with_prefix("辖区");
    let mut ids: HashMap<String, i64> = HashMap::new();
    for n in &plan.nodes {
        let parent_id = n.parent_code.as_ref().and_then(|c| ids.get(c).copied());
        let j = store
            .create_jurisdiction(
                &store::NewJurisdiction { parent_id, kind: n.kind, code: n.code.clone(), name: n.name.clone() },
                None,
            )
            .await?;
        ids.insert(n.code.clone(), j.id);
        bar.inc(1);
    }
    bar.finish();
    let rows: Vec<store::PopulationRow> = plan
        .population
        .iter()
        .map(|(code, as_of, n)| store::PopulationRow {
            jurisdiction_id: ids[code],
            as_of: as_of.clone(),
            residents: *n,
            source: "统计局(演示)".into(),
        })
        .collect();
    store.set_populations(&rows).await?;

    let bar =
        ProgressBar::new((plan.stations.len() + plan.units.len()) as u64).with_style(style.clone()).with_prefix("单位");
    let mut unit_ids: HashMap<String, i64> = HashMap::new();
    for s in &plan.stations {
        let st = store
            .create_station(
                &store::NewStation {
                    code: s.code.clone(),
                    name: s.name.clone(),
                    jurisdiction_id: ids[&s.seat_code],
                    chief_name: s.chief.clone(),
                    deputy_chief_name: s.deputy.clone(),
                    precinct: s.precinct.iter().map(|c| ids[c]).collect(),
                },
                None,
            )
            .await?;
        unit_ids.insert(s.code.clone(), st.unit_id);
        bar.inc(1);
    }
    for u in &plan.units {
        let m = store
            .create_unit(
                &store::NewMemberUnit {
                    code: u.code.clone(),
                    name: u.name.clone(),
                    kind: u.kind,
                    parent_unit_id: None,
                    jurisdiction_id: ids[&u.seat_code],
                    contact_name: u.contact.clone(),
                    covers: u.covers.iter().map(|c| ids[c]).collect(),
                },
                None,
            )
            .await?;
        unit_ids.insert(u.code.clone(), m.id);
        bar.inc(1);
    }
    bar.finish();

    for u in &plan.users {
        let hash = server::auth::hash_password(&u.password).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        store
            .create_user(
                &store::NewUser {
                    username: u.username.clone(),
                    display_name: u.display_name.clone(),
                    password_hash: hash,
                    role: u.role,
                    unit_id: *unit_ids.get(&u.unit_code).with_context(|| format!("demo user unit {}", u.unit_code))?,
                    jurisdiction_id: ids[&u.jurisdiction_code],
                    must_change_password: false,
                },
                demo_entry("user"),
            )
            .await?;
    }

    let total: u64 = plan.villages.iter().map(|v| u64::from(v.population)).sum();
    let bar = ProgressBar::new(total).with_style(style).with_prefix("居民");
    // Generate on a blocking thread while the previous village is written.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<store::NewResident>>(4);
    let villages = plan.villages.clone();
    let grid_ids = ids.clone();
    let producer = tokio::task::spawn_blocking(move || {
        for (i, v) in villages.iter().enumerate() {
            let rows: Vec<store::NewResident> = demo::residents_of(seed, i, v)
                .into_iter()
                .map(|r| store::NewResident {
                    name: r.name,
                    id_number: r.id_number,
                    phone: r.phone,
                    address: Some(r.address),
                    gender: r.gender.into(),
                    age_band: r.age_band,
                    household_code: r.household_code,
                    jurisdiction_id: grid_ids[&r.grid_code],
                })
                .collect();
            if tx.blocking_send(rows).is_err() {
                break;
            }
        }
    });
    let mut written = 0u64;
    let mut refused = 0u64;
    while let Some(rows) = rx.recv().await {
        for chunk in rows.chunks(5000) {
            for r in store.insert_residents(chunk).await? {
                if r.is_ok() { written += 1 } else { refused += 1 }
            }
            bar.inc(chunk.len() as u64);
        }
    }
    producer.await?;
    bar.finish();
    store
        .audit(domain::audit::AuditContent {
            at_ms: store::now_ms(),
            actor_kind: "system".into(),
            actor_name: "fanzha demo".into(),
            action: "import".into(),
            object_type: "resident".into(),
            fields: vec!["name".into(), "id_number".into(), "phone".into(), "address".into()],
            detail: serde_json::json!({"seed": seed, "residents": written, "refused": refused}).to_string(),
            ..Default::default()
        })
        .await?;
    eprintln!(
        "Demo county built in {:.1} s: {} jurisdictions, {} stations, {} units, {written} residents{}.",
        started.elapsed().as_secs_f64(),
        plan.nodes.len(),
        plan.stations.len(),
        plan.units.len(),
        if refused > 0 { format!(" ({refused} refused)") } else { String::new() }
    );
    Ok(plan)
}

/// Prints the demo logins.
pub fn print_credentials(plan: &demo::CountyPlan, cfg: &Config) {
    eprintln!("\n演示账号 (demo logins) — open http://{}/", cfg.listen);
    eprintln!("  {:<10} {:<12} role", "user", "password");
    for u in &plan.users {
        eprintln!("  {:<10} {:<12} {} ({})", u.username, u.password, u.role.zh(), u.display_name);
    }
    eprintln!();
}

/// The audit entry of an object the demo builder creates.
fn demo_entry(object_type: &str) -> domain::audit::AuditContent {
    domain::audit::AuditContent::system("fanzha demo", "create", object_type, store::now_ms())
}
