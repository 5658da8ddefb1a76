//! The HTTP API end to end: a real server on a free port over a fresh database, driven with a
//! real HTTP client. SQLite always; PostgreSQL too when FANZHA_TEST_PG is set (required under CI: see testkit).

use domain::{AgeBand, IdNumber, JurisdictionKind, MemberUnitKind, Phone, Role};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use store::*;

mod attacks;
mod prevention;

const PW: &str = "Passw0rd!";

struct County {
    town_a: i64,
    village_a: i64,
    village_b: i64,
    resident_a: i64,
    resident_b: i64,
    office_unit: i64,
}

struct App {
    base: String,
    store: Store,
    county: County,
    _dir: Option<tempfile::TempDir>,
}

static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn vault() -> pii::Vault {
    pii::Vault::new(&pii::MasterKey::from_hex(1, &"5a".repeat(32)).expect("key"), &[])
}

async fn open_store(pg: bool) -> Option<(Store, Option<tempfile::TempDir>)> {
    if pg {
        let base = testkit::postgres_url()?;
        let name = format!("fzs_{}_{}", std::process::id(), NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
        store::create_postgres_database(&base, &name).await.expect("create db");
        let url = format!("{}/{name}", base.rsplit_once('/').expect("url").0);
        Some((Database::open(&url).await.expect("open").with_vault(vault()).await.expect("vault"), None))
    } else {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Database::open(&sqlite_url(dir.path())).await.expect("open").with_vault(vault()).await.expect("vault");
        Some((s, Some(dir)))
    }
}

async fn seed(s: &Store) -> County {
    let j = |parent: Option<i64>, kind, code: &str, name: &str| NewJurisdiction {
        parent_id: parent,
        kind,
        code: code.into(),
        name: name.into(),
    };
    let county = s.create_jurisdiction(&j(None, JurisdictionKind::County, "C", "测试县"), None).await.expect("county");
    let town_a =
        s.create_jurisdiction(&j(Some(county.id), JurisdictionKind::Town, "TA", "甲镇"), None).await.expect("town");
    let town_b =
        s.create_jurisdiction(&j(Some(county.id), JurisdictionKind::Town, "TB", "乙镇"), None).await.expect("town");
    let village_a =
        s.create_jurisdiction(&j(Some(town_a.id), JurisdictionKind::Village, "VA", "甲村"), None).await.expect("v");
    let village_b =
        s.create_jurisdiction(&j(Some(town_b.id), JurisdictionKind::Village, "VB", "乙村"), None).await.expect("v");
    let office = s
        .create_unit(
            &NewMemberUnit {
                code: "OFF".into(),
                name: "办公室".into(),
                kind: MemberUnitKind::Office,
                parent_unit_id: None,
                jurisdiction_id: county.id,
                contact_name: String::new(),
                covers: vec![],
            },
            None,
        )
        .await
        .expect("office");
    let sa = s
        .create_station(
            &NewStation {
                code: "PSA".into(),
                name: "甲所".into(),
                jurisdiction_id: town_a.id,
                chief_name: String::new(),
                deputy_chief_name: String::new(),
                precinct: vec![town_a.id],
            },
            None,
        )
        .await
        .expect("st");
    let sb = s
        .create_station(
            &NewStation {
                code: "PSB".into(),
                name: "乙所".into(),
                jurisdiction_id: town_b.id,
                chief_name: String::new(),
                deputy_chief_name: String::new(),
                precinct: vec![town_b.id],
            },
            None,
        )
        .await
        .expect("st");
    let hash = server::auth::hash_password(PW).expect("hash");
    let user = |name: &str, role, unit_id, jurisdiction_id| NewUser {
        username: name.into(),
        display_name: name.into(),
        password_hash: hash.clone(),
        role,
        unit_id,
        jurisdiction_id,
        must_change_password: false,
    };
    for u in [
        user("admin", Role::SystemAdmin, office.id, county.id),
        user("office", Role::Office, office.id, county.id),
        user("officer_a", Role::StationOfficer, sa.unit_id, town_a.id),
        user("officer_b", Role::StationOfficer, sb.unit_id, town_b.id),
        user("grid_a", Role::GridWorker, office.id, village_a.id),
    ] {
        s.create_user(&u, domain::audit::AuditContent::system("test", "create", "user", 0)).await.expect("user");
    }
    let r = |n: u32, jid| NewResident {
        name: format!("赵{n}"),
        id_number: IdNumber::with_check(&format!("11010519700101{:03}", n)).expect("id"),
        phone: Some(Phone::parse(&format!("1391234{:04}", n)).expect("phone")),
        address: Some(format!("某镇某村{n}组{n}号院子")),
        gender: "男".into(),
        age_band: AgeBand::From46To60,
        household_code: String::new(),
        jurisdiction_id: jid,
    };
    let ids = s.insert_residents(&[r(1, village_a.id), r(2, village_b.id)]).await.expect("residents");
    County {
        town_a: town_a.id,
        village_a: village_a.id,
        village_b: village_b.id,
        resident_a: *ids[0].as_ref().expect("a"),
        resident_b: *ids[1].as_ref().expect("b"),
        office_unit: office.id,
    }
}

async fn start(pg: bool) -> Option<App> {
    start_with(pg, server::ServerConfig { cookie_secure: false, ..Default::default() }).await
}

async fn start_with(pg: bool, mut config: server::ServerConfig) -> Option<App> {
    // A backlog of 100 days (the default is 30): one old transfer gives the engine the 90 days
    // of watching its newness rules wait for (`watch_since`).
    config.event_time.past_s = 100 * 86_400;
    let (store, dir) = open_store(pg).await?;
    let county = seed(&store).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let state = server::AppState::new(store.clone(), config);
    tokio::spawn(server::serve(listener, state));
    Some(App { base, store, county, _dir: dir })
}

/// A logged-in client and its CSRF token.
struct Session {
    c: Client,
    csrf: String,
    base: String,
}

impl Session {
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self.c.get(format!("{}{path}", self.base)).send().await.expect("send");
        let st = r.status();
        (st, r.json().await.unwrap_or(Value::Null))
    }
    async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PATCH, path, body).await
    }
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, body).await
    }
    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .c
            .request(method, format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .expect("send");
        let st = r.status();
        (st, r.json().await.unwrap_or(Value::Null))
    }
}

async fn login(app: &App, user: &str) -> Session {
    let c = Client::builder().cookie_store(true).build().expect("client");
    let r = c
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"username": user, "password": PW}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), StatusCode::OK, "login {user}");
    let cookie = r.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let me: Value = r.json().await.expect("me");
    Session { c, csrf: me["csrf_token"].as_str().expect("csrf").to_string(), base: app.base.clone() }
}

/// The China date `n` days before today: test events must lie within the server's event-time
/// window (30 days back by default).
/// Gives a fresh engine 90 days of watched traffic: one transfer, 91 days ago, between accounts
/// no test uses. Before its warm-up the default ruleset calls no account new.
async fn watch_since(base: &str, secret: &str) {
    let r = Client::new()
        .post(format!("{base}/api/v1/decide"))
        .bearer_auth(secret)
        .json(&json!({"event_id": "WARM-UP", "time": format!("{}T00:00:00+08:00", days_ago(91)), "payer_account": "6222888800000001", "payee_account": "6222888800000002", "amount_fen": 100}))
        .send()
        .await
        .expect("warm-up");
    assert_eq!(r.status(), StatusCode::OK);
}

fn days_ago(n: i64) -> jiff::civil::Date {
    domain::time::china_date(store::now_ms()).expect("today") - jiff::Span::new().days(n)
}

/// The first login of a user an administrator created: nothing opens before the password the
/// administrator set is changed; the change keeps this session.
async fn first_login(app: &App, user: &str) -> Session {
    let s = login(app, user).await;
    let (st, e) = s.get("/api/v1/bank-requests").await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("password_change_required")),
        "{user} before the change: {e}"
    );
    let (st, e) =
        s.post("/api/v1/auth/password", json!({"current_password": PW, "new_password": "Fz#Changed2026"})).await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{user} changes the password: {e}");
    s
}

macro_rules! both {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let app = super::start(false).await.expect("app");
                super::$body(&app).await;
            }
            #[tokio::test]
            async fn postgres() {
                match super::start(true).await {
                    Some(app) => super::$body(&app).await,
                    None => {} // testkit said why (a failure under CI)
                }
            }
        }
    };
}

async fn scope_never_leaks(app: &App) {
    let a = login(app, "officer_a").await;
    let c = &app.county;
    // Listing.
    let (st, page) = a.get("/api/v1/residents").await;
    assert_eq!(st, StatusCode::OK);
    let ids: Vec<i64> =
        page["items"].as_array().expect("items").iter().map(|r| r["id"].as_i64().expect("id")).collect();
    assert_eq!(ids, vec![c.resident_a], "officer A sees only precinct A");
    // By id, by search, by unmask, by filter on the other town's jurisdiction.
    assert_eq!(a.get(&format!("/api/v1/residents/{}", c.resident_b)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        a.get("/api/v1/residents?phone=13912340002&reason=%E6%A0%B8%E5%AE%9E%E9%A2%84%E8%AD%A6%E7%BA%BF%E7%B4%A2")
            .await
            .1["total"],
        0
    );
    assert_eq!(
        a.get(&format!(
            "/api/v1/residents?id_number={}&reason=%E6%A0%B8%E5%AE%9E%E9%A2%84%E8%AD%A6%E7%BA%BF%E7%B4%A2",
            IdNumber::with_check("11010519700101002").expect("id").as_str()
        ))
        .await
        .1["total"],
        0
    );
    assert_eq!(a.get(&format!("/api/v1/residents?jurisdiction_id={}", c.village_b)).await.0, StatusCode::OK);
    assert_eq!(a.get(&format!("/api/v1/residents?jurisdiction_id={}", c.village_b)).await.1["total"], 0);
    let (st, _) = a
        .post(
            &format!("/api/v1/residents/{}/unmask", c.resident_b),
            json!({"field": "phone", "reason": "核实预警线索"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // Jurisdictions of the other town are invisible too.
    let (_, tree) = a.get("/api/v1/jurisdictions/tree").await;
    assert!(tree.as_array().expect("tree").iter().all(|j| j["code"] != "TB" && j["code"] != "VB"), "{tree}");
    assert_eq!(a.get(&format!("/api/v1/jurisdictions/{}", c.village_b)).await.0, StatusCode::NOT_FOUND);
    // Creating a resident in the other precinct is refused.
    let (st, _) = a.post("/api/v1/residents", json!({"name": "钱七", "id_number": IdNumber::with_check("11010519800101009").expect("id").as_str(), "jurisdiction_id": c.village_b})).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // The county office sees both.
    let o = login(app, "office").await;
    assert_eq!(o.get("/api/v1/residents").await.1["total"], 2);
}
both!(scope, scope_never_leaks);

async fn personal_data_masked_everywhere(app: &App) {
    let o = login(app, "admin").await;
    let clear = ["13912340001", "110105197001010", "某镇某村1组1号院子"];
    for path in ["/api/v1/residents".to_string(), format!("/api/v1/residents/{}", app.county.resident_a)] {
        let body = o.c.get(format!("{}{path}", app.base)).send().await.expect("get").text().await.expect("text");
        for c in clear {
            assert!(!body.contains(c), "clear '{c}' in {path}: {body}");
        }
        assert!(body.contains("139****0001"), "{body}");
        assert!(body.contains("赵*"), "{body}");
    }
    // And nothing is in clear in the database file itself (SQLite).
    if app.store.backend() == "sqlite" {
        let dir = app._dir.as_ref().expect("dir");
        let mut bytes = std::fs::read(dir.path().join("fanzha.db")).expect("db");
        if let Ok(wal) = std::fs::read(dir.path().join("fanzha.db-wal")) {
            bytes.extend(wal);
        }
        for c in clear {
            assert!(!bytes.windows(c.len()).any(|w| w == c.as_bytes()), "clear '{c}' in the database file");
        }
    }
}
both!(masked, personal_data_masked_everywhere);

async fn unmasking_is_permitted_reasoned_and_audited(app: &App) {
    let c = &app.county;
    let grid = login(app, "grid_a").await;
    let (st, body) = grid
        .post(&format!("/api/v1/residents/{}/unmask", c.resident_a), json!({"field": "phone", "reason": "入户走访"}))
        .await;
    assert_eq!((st, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "grid workers may not unmask");
    let a = login(app, "officer_a").await;
    let (st, _) =
        a.post(&format!("/api/v1/residents/{}/unmask", c.resident_a), json!({"field": "phone", "reason": ""})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "a reason is required");
    let before = app
        .store
        .list_audit(&AuditFilter { action: Some("unmask".into()), ..Default::default() }, PageReq::default())
        .await
        .expect("audit")
        .total;
    let (st, body) = a
        .post(
            &format!("/api/v1/residents/{}/unmask", c.resident_a),
            json!({"field": "phone", "reason": "核实预警线索"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["value"], "13912340001");
    let log = app
        .store
        .list_audit(&AuditFilter { action: Some("unmask".into()), ..Default::default() }, PageReq::default())
        .await
        .expect("audit");
    assert_eq!(log.total, before + 1, "exactly one audit entry per unmasking");
    let e = &log.items[0];
    assert_eq!(e.seq, body["audit_seq"].as_i64().expect("seq"));
    assert_eq!(
        (e.content.actor_name.as_str(), e.content.object_id.as_deref(), e.content.reason.as_deref()),
        ("officer_a", Some(c.resident_a.to_string().as_str()), Some("核实预警线索"))
    );
    assert_eq!(e.content.fields, vec!["phone".to_string()]);
    // Reads of masked data are audited too.
    a.get("/api/v1/residents").await;
    let reads = app
        .store
        .list_audit(
            &AuditFilter {
                action: Some("read_pii".into()),
                actor_name: Some("officer_a".into()),
                ..Default::default()
            },
            PageReq::default(),
        )
        .await
        .expect("audit");
    assert!(reads.total >= 1);
    // The chain is intact, and the API says so.
    let admin = login(app, "admin").await;
    let (_, v) = admin.get("/api/v1/audit/verify").await;
    assert_eq!(v["ok"], true, "{v}");
    // Officers cannot read the audit log.
    assert_eq!(a.get("/api/v1/audit").await.0, StatusCode::FORBIDDEN);
}
both!(unmask, unmasking_is_permitted_reasoned_and_audited);

async fn import_keeps_good_rows(app: &App) {
    let o = login(app, "admin").await;
    let id = |n: u32| IdNumber::with_check(&format!("11010519850202{n:03}")).expect("id").as_str().to_string();
    let csv = format!(
        "姓名,身份证号,手机号,住址,性别,年龄段,户号,辖区编码\n\
         孙一,{},13800000001,甲村1号,,,H1,VA\n\
         孙二,110105198502029999,13800000002,甲村2号,,,H2,VA\n\
         孙三,{},12345,甲村3号,,,H3,VA\n\
         孙四,{},13800000004,甲村4号,,,H4,NOPE\n\
         孙五,{},13800000005,乙村5号,,over_60,H5,VB\n\
         ,{},13800000006,甲村6号,,,H6,VA\n\
         孙一复,{},13800000007,甲村7号,,,H7,VA\n",
        id(1),
        id(3),
        id(4),
        id(5),
        id(6),
        id(1)
    );
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("r.csv"));
    let r =
        o.c.post(format!("{}/api/v1/residents/import", app.base))
            .header("x-csrf-token", &o.csrf)
            .multipart(form)
            .send()
            .await
            .expect("import");
    assert_eq!(r.status(), StatusCode::OK);
    let rep: Value = r.json().await.expect("report");
    assert_eq!(rep["rows"], 7);
    assert_eq!(rep["accepted"], 2, "{rep}");
    let bad: Vec<(i64, String)> = rep["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|e| (e["row"].as_i64().expect("row"), e["field"].as_str().expect("f").to_string()))
        .collect();
    assert_eq!(
        bad,
        vec![
            (3, "id_number".into()),
            (4, "phone".into()),
            (5, "jurisdiction_code".into()),
            (7, "name".into()),
            (8, "id_number".into())
        ],
        "{rep}"
    );
    assert_eq!(app.store.count_residents().await.expect("count"), 4);

    // The same through XLSX, with phone numbers stored as numbers by the spreadsheet.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["name", "id_number", "phone", "jurisdiction_code"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("h");
    }
    ws.write_string(1, 0, "周一").expect("c");
    ws.write_string(1, 1, id(11)).expect("c");
    ws.write_number(1, 2, 13800000011.0).expect("c");
    ws.write_string(1, 3, "VA").expect("c");
    ws.write_string(2, 0, "周二").expect("c");
    ws.write_string(2, 1, "not-an-id").expect("c");
    ws.write_string(2, 3, "VA").expect("c");
    let bytes = wb.save_to_buffer().expect("xlsx");
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name("r.xlsx"));
    let rep: Value =
        o.c.post(format!("{}/api/v1/residents/import", app.base))
            .header("x-csrf-token", &o.csrf)
            .multipart(form)
            .send()
            .await
            .expect("import")
            .json()
            .await
            .expect("json");
    assert_eq!(
        (rep["accepted"].as_i64(), rep["rejected"][0]["row"].as_i64(), rep["rejected"][0]["field"].as_str()),
        (Some(1), Some(3), Some("id_number")),
        "{rep}"
    );
    let found = o
        .get("/api/v1/residents?phone=13800000011&reason=%E6%A0%B8%E5%AE%9E%E9%A2%84%E8%AD%A6%E7%BA%BF%E7%B4%A2")
        .await
        .1;
    assert_eq!(found["total"], 1, "the XLSX phone number survives as digits");
}
both!(import, import_keeps_good_rows);

async fn csrf_keys_and_contract(app: &App) {
    let o = login(app, "admin").await;
    // A cookie alone cannot write.
    let r = o.c.post(format!("{}/api/v1/units", app.base)).json(&json!({})).send().await.expect("send");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body: Value = r.json().await.expect("json");
    assert_eq!((body["code"].as_str(), body["type"].as_str()), (Some("csrf"), Some("auth")));
    // Anonymous.
    let anon = Client::new();
    let r = anon.get(format!("{}/api/v1/residents", app.base)).send().await.expect("send");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // An API key for a bank: may read the registry, may not read residents; revoked keys stop at once.
    let (st, key) = o.post("/api/v1/api-keys", json!({"name": "农商行系统", "unit_id": app.county.office_unit, "jurisdiction_id": app.county.town_a, "permissions": ["registry_read", "decide"]})).await;
    assert_eq!(st, StatusCode::OK, "{key}");
    let secret = key["secret"].as_str().expect("secret").to_string();
    let bearer = |path: &str| anon.get(format!("{}{path}", app.base)).bearer_auth(&secret).send();
    assert_eq!(bearer("/api/v1/units").await.expect("s").status(), StatusCode::OK);
    assert_eq!(bearer("/api/v1/residents").await.expect("s").status(), StatusCode::FORBIDDEN);
    let wrong =
        anon.get(format!("{}/api/v1/units", app.base)).bearer_auth(format!("{}x", secret)).send().await.expect("s");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let r =
        o.c.delete(format!("{}/api/v1/api-keys/{}", app.base, key["id"]))
            .header("x-csrf-token", &o.csrf)
            .send()
            .await
            .expect("revoke");
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(bearer("/api/v1/units").await.expect("s").status(), StatusCode::UNAUTHORIZED);
    // Keys may never unmask.
    let (st, _) = o.post("/api/v1/api-keys", json!({"name": "x", "unit_id": app.county.office_unit, "jurisdiction_id": app.county.town_a, "permissions": ["pii_unmask"]})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // Wrong password is refused and audited.
    let r = anon
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"username": "admin", "password": "nope-nope"}))
        .send()
        .await
        .expect("s");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let failed = app
        .store
        .list_audit(&AuditFilter { action: Some("login_failed".into()), ..Default::default() }, PageReq::default())
        .await
        .expect("audit");
    assert_eq!(failed.total, 1);
    // OpenAPI, health and metrics.
    let doc: Value =
        anon.get(format!("{}/api/openapi.json", app.base)).send().await.expect("s").json().await.expect("json");
    assert!(doc["paths"]["/api/v1/residents"]["get"].is_object(), "openapi lists the resident list");
    assert!(doc["paths"]["/api/v1/residents/{id}/unmask"]["post"].is_object());
    assert_eq!(anon.get(format!("{}/healthz", app.base)).send().await.expect("s").status(), StatusCode::OK);
    let m = anon.get(format!("{}/metrics", app.base)).send().await.expect("s").text().await.expect("t");
    assert!(m.contains("fanzha_http_requests_total"), "{m}");
}
both!(contract, csrf_keys_and_contract);

async fn registry_writes(app: &App) {
    let o = login(app, "office").await;
    let (st, v) = o
        .post(
            "/api/v1/jurisdictions",
            json!({"parent_id": app.county.village_a, "kind": "grid", "code": "VA-G1", "name": "第一网格"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, _) = o
        .post(
            "/api/v1/jurisdictions",
            json!({"parent_id": app.county.village_a, "kind": "town", "code": "X", "name": "x"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "a town under a village is refused");
    let (st, figs) = o
        .post(
            &format!("/api/v1/jurisdictions/{}/population", app.county.town_a),
            json!({"as_of": "2026-03-01", "residents": 12000}),
        )
        .await;
    assert_eq!((st, figs[0]["residents"].as_i64()), (StatusCode::OK, Some(12000)));
    let population = format!("{}@2026-03-01", app.county.town_a);
    assert_eq!(
        prevention::audited(app, "population", "update").await,
        vec![Some(population)],
        "committed with its entry"
    );
    let (st, u) = o
        .post(
            "/api/v1/units",
            json!({"code": "SCH1", "name": "甲镇小学", "kind": "school", "jurisdiction_id": app.county.town_a}),
        )
        .await;
    assert_eq!((st, u["kind"].as_str()), (StatusCode::OK, Some("school")));
    assert_eq!(prevention::audited(app, "unit", "create").await, vec![u["id"].as_i64().map(|id| id.to_string())]);
    assert_eq!(
        prevention::audited(app, "jurisdiction", "create").await,
        vec![v["id"].as_i64().map(|id| id.to_string())],
        "the refused town wrote none"
    );
    let csv = "code,name,kind,parent_code,residents,as_of\nVA-G2,第二网格,grid,VA,350,2026-03-01\nBAD,坏,province,VA,,\nVA-G3,第三网格,grid,NOPE,,\nVA-G4,第四网格,grid,VA,-5,\n";
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("j.csv"));
    let rep: Value =
        o.c.post(format!("{}/api/v1/jurisdictions/import", app.base))
            .header("x-csrf-token", &o.csrf)
            .multipart(form)
            .send()
            .await
            .expect("s")
            .json()
            .await
            .expect("j");
    assert_eq!(rep["accepted"], 1, "{rep}");
    let fields: Vec<&str> =
        rep["rejected"].as_array().expect("r").iter().map(|e| e["field"].as_str().expect("f")).collect();
    assert_eq!(fields, vec!["kind", "parent_code", "residents"]);

    // One load of the vocabulary names every code a page shows, in Chinese.
    let g = login(app, "grid_a").await;
    let (st, v) = g.get("/api/v1/vocabulary").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let zh = |list: &str, code: &str| -> String {
        v[list]
            .as_array()
            .unwrap_or_else(|| panic!("{list} in {v}"))
            .iter()
            .find(|k| k["code"] == code)
            .and_then(|k| k["zh"].as_str())
            .unwrap_or_else(|| panic!("{list}.{code} in {v}"))
            .to_string()
    };
    assert_eq!(zh("bank_request_kinds", "stop_payment"), "紧急止付");
    assert_eq!(zh("bank_request_statuses", "failed"), "无法执行");
    assert_eq!(zh("coverage_targets", "pledge"), "承诺书签订率");
    assert_eq!(zh("trace_stops", "cash_out"), "取现");
    assert_eq!(zh("list_kinds", "device"), "设备");
    assert_eq!(zh("rule_kinds", "payer_count"), "多笔转出");
    assert_eq!(zh("sides", "payee"), "收款方");
    assert_eq!(zh("interview_actions", "interview_chief"), "约谈所长");
    assert_eq!(zh("scenarios", "upstream"), "上级下发");
    assert_eq!(zh("scenarios", "victim"), "群众疑似正在被骗");
    assert_eq!(zh("report_statuses", "approved"), "已审核待发布");
    assert_eq!(zh("measure_states", "in_force"), "执行中");
    assert_eq!(zh("shadow_outcomes", ""), "运行中");
    assert_eq!(zh("training_phases", "fit"), "训练");
    // Every rule kind of the shipped ruleset has its name.
    for rule in engine::ruleset::Ruleset::default_ruleset().rules {
        let code = serde_json::to_value(&rule.kind).expect("kind")["kind"].as_str().expect("kind").to_string();
        assert!(!zh("rule_kinds", &code).is_ascii(), "{code}");
    }
    for (list, codes) in v.as_object().expect("vocabulary") {
        for k in codes.as_array().unwrap_or_else(|| panic!("{list}")) {
            let name = k["zh"].as_str().unwrap_or_else(|| panic!("{list}: {k}"));
            assert!(!name.is_empty() && (!name.is_ascii() || name == "APP"), "{list}: {k}");
        }
    }
}
both!(registry, registry_writes);

async fn decide_and_route(app: &App) {
    let admin = login(app, "admin").await;
    let (st, key) = admin.post("/api/v1/api-keys", json!({"name": "农商行核心", "unit_id": app.county.office_unit, "jurisdiction_id": app.county.town_a, "permissions": ["decide"]})).await;
    assert_eq!(st, StatusCode::OK, "{key}");
    let secret = key["secret"].as_str().expect("secret").to_string();
    let bank = Client::new();
    let decide = |body: Value| bank.post(format!("{}/api/v1/decide", app.base)).bearer_auth(&secret).json(&body).send();
    watch_since(&app.base, &secret).await;
    // The live feed: station A's officer sees the warning as it is raised; station B's does not.
    let (fa, fb) = (login(app, "officer_a").await, login(app, "officer_b").await);
    let mut feed_a = fa.c.get(format!("{}/api/v1/warnings/live", app.base)).send().await.expect("feed a");
    let mut feed_b = fb.c.get(format!("{}/api/v1/warnings/live", app.base)).send().await.expect("feed b");
    assert_eq!(feed_a.status(), StatusCode::OK);
    let mut last = Value::Null;
    for i in 0..5 {
        let body = json!({"event_id": format!("T{i}"), "time": format!("{}T10:0{i}:00+08:00", days_ago(1)), "payer_account": format!("62220000000000{i:02}"),
            "payee_account": "6217000099998888", "amount_fen": 2_000_000, "payer_phone": if i == 4 { "13912340001" } else { "13700000000" }});
        let r = decide(body).await.expect("decide");
        assert_eq!(r.status(), StatusCode::OK);
        last = r.json().await.expect("json");
    }
    // Five distinct payers into a new account within a week: fan-in (M01) + new account (M04).
    assert_eq!(last["action"], "warn", "{last}");
    let rules: Vec<&str> =
        last["fired"].as_array().expect("fired").iter().map(|f| f["rule"].as_str().expect("rule")).collect();
    assert!(rules.contains(&"M01") && rules.contains(&"M04"), "{last}");
    assert!(last["fired"][0]["name_zh"].as_str().is_some_and(|n| !n.is_empty()));
    let wid = last["warning_id"].as_i64().expect("a stored warning");
    let mut got = String::new();
    while !got.contains("event: warning") {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), feed_a.chunk())
            .await
            .expect("the feed delivers within 5 s")
            .expect("chunk")
            .expect("open");
        got.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        got.contains(&format!("\"id\":{wid}")) && got.contains("\"subject\":\"6217********8888\""),
        "masked warning in the feed: {got}"
    );
    let b_got = tokio::time::timeout(std::time::Duration::from_millis(300), feed_b.chunk()).await;
    assert!(
        b_got.is_err()
            || !b_got.as_ref().is_ok_and(|c| c
                .as_ref()
                .is_ok_and(|c| c.as_ref().is_some_and(|c| String::from_utf8_lossy(c).contains("event: warning")))),
        "station B sees no warning of area A"
    );
    // A replay of the same event changes nothing.
    let again: Value = decide(json!({"event_id": "T4", "payer_account": "6222000000000004", "payee_account": "6217000099998888", "amount_fen": 2_000_000})).await.expect("d").json().await.expect("j");
    assert_eq!(again["duplicate"], true);
    // Bad input names the field.
    let bad: Value = decide(json!({"event_id": "X", "payer_account": "1", "payee_account": "2", "amount_fen": 0}))
        .await
        .expect("d")
        .json()
        .await
        .expect("j");
    assert!(bad["message"].as_str().is_some_and(|m| m.starts_with("amount_fen")), "{bad}");
    // Routed to the payer's area: station A sees it, masked; station B does not.
    let a = login(app, "officer_a").await;
    let (st, ws) = a.get("/api/v1/warnings").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ws["total"], 1, "{ws}");
    assert_eq!(ws["items"][0]["id"].as_i64(), Some(wid));
    assert_eq!(ws["items"][0]["payee"], "6217********8888");
    assert_eq!(ws["items"][0]["jurisdiction_id"].as_i64(), Some(app.county.village_a));
    let b = login(app, "officer_b").await;
    assert_eq!(b.get("/api/v1/warnings").await.1["total"], 0);
    // A user cannot call decide without the permission.
    assert_eq!(a.post("/api/v1/decide", json!({})).await.0, StatusCode::FORBIDDEN);
    // Dispatch: sign for, contact, meet, close; deadlines from the grade's policy.
    let w0 = &ws["items"][0];
    assert_eq!(w0["next_step"], "sign_for");
    // A live event's warning is raised on arrival, whatever time the bank stamped the transfer
    // with: its deadlines run from now.
    let raised = w0["created_at"].as_i64().expect("created");
    assert!(
        (store::now_ms() - raised).abs() < 120_000 && raised - w0["event_ts"].as_i64().expect("event ts") > 0,
        "{w0}"
    );
    let minutes = match w0["grade"].as_str() {
        Some("high") => 10,
        Some("medium") => 30,
        _ => 120,
    };
    assert_eq!(w0["due_by_ms"].as_i64().expect("due") - w0["created_at"].as_i64().expect("created"), minutes * 60_000);
    let step_path = format!("/api/v1/warnings/{wid}/steps");
    let step = |b: Value| a.post(&step_path, b);
    assert_eq!(step(json!({"step": "contact", "channel": "phone"})).await.0, StatusCode::BAD_REQUEST, "sign for first");
    let (st, w) = step(json!({"step": "sign_for"})).await;
    assert_eq!(
        (st, w["status"].as_str(), w["next_step"].as_str()),
        (StatusCode::OK, Some("signed_for"), Some("contact"))
    );
    assert_eq!(step(json!({"step": "contact", "channel": "carrier pigeon"})).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(step(json!({"step": "contact", "channel": "phone", "note": "未接通"})).await.0, StatusCode::OK);
    assert_eq!(step(json!({"step": "visit"})).await.0, StatusCode::BAD_REQUEST, "a visit says what was done");
    assert_eq!(step(json!({"step": "visit", "checklist": ["told_method"]})).await.0, StatusCode::OK);
    let open_before = a.get("/api/v1/warnings?open=true").await.1["total"].as_i64().expect("total");
    let all_before = a.get("/api/v1/warnings").await.1["total"].as_i64().expect("total");
    assert_eq!(step(json!({"step": "close", "outcome": "dissuaded"})).await.0, StatusCode::BAD_REQUEST);
    let (st, w) = step(json!({"step": "close", "outcome": "dissuaded", "checklist": ["stopped_transfer"]})).await;
    assert_eq!((st, w["status"].as_str(), w["outcome"].as_str()), (StatusCode::OK, Some("closed"), Some("dissuaded")));
    assert_eq!(
        step(json!({"step": "close", "outcome": "refused"})).await.0,
        StatusCode::BAD_REQUEST,
        "closed is final"
    );
    // The inbox totals follow: one fewer open, the same in all.
    assert_eq!(a.get("/api/v1/warnings?open=true").await.1["total"].as_i64(), Some(open_before - 1));
    assert_eq!(a.get("/api/v1/warnings").await.1["total"].as_i64(), Some(all_before));
    let listed = a.get("/api/v1/warnings?open=true&per_page=500").await.1["items"].as_array().map(Vec::len);
    assert_eq!(listed, Some((open_before - 1) as usize), "the total matches the rows");
    let (_, steps) = a.get(&format!("/api/v1/warnings/{wid}/steps")).await;
    let names: Vec<&str> = steps.as_array().expect("steps").iter().map(|x| x["step"].as_str().expect("s")).collect();
    assert_eq!(names, ["sign_for", "contact", "visit", "close"]);
    assert_eq!(steps[0]["actor"], "officer_a · 甲所", "the person and the unit, as a record names them");
    assert_eq!(a.get("/api/v1/warnings?open=true").await.1["total"], 0);
    assert_eq!(
        b.post(&format!("/api/v1/warnings/{wid}/steps"), json!({"step": "sign_for"})).await.0,
        StatusCode::NOT_FOUND,
        "not in area B"
    );
}
both!(decide, decide_and_route);

/// A decision after a restart equals the decision without one: the windows are rebuilt from
/// the event log, and an event seen before the restart is still recognised as a duplicate.
async fn restart_keeps_decisions(app: &App) {
    let admin = login(app, "admin").await;
    let (_, key) = admin.post("/api/v1/api-keys", json!({"name": "bank", "unit_id": app.county.office_unit, "jurisdiction_id": app.county.town_a, "permissions": ["decide"]})).await;
    let secret = key["secret"].as_str().expect("secret").to_string();
    let body = |i: u32| json!({"event_id": format!("R{i}"), "time": format!("{}T09:0{i}:00+08:00", days_ago(1)), "payer_account": format!("62229999000000{i:02}"), "payee_account": "6217000011112222", "amount_fen": 900_000});
    let decide_on = |base: String, b: Value| {
        let secret = secret.clone();
        async move {
            Client::new()
                .post(format!("{base}/api/v1/decide"))
                .bearer_auth(&secret)
                .json(&b)
                .send()
                .await
                .expect("send")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    watch_since(&app.base, &secret).await;
    for i in 0..4 {
        decide_on(app.base.clone(), body(i)).await;
    }
    // Wait for the batched log writer.
    let mut logged = 0;
    for _ in 0..50 {
        logged = app.store.logged_events(i64::MIN, 0, 100).await.expect("log").len();
        if logged == 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(logged, 5, "the warm-up and the four decided transfers are logged");
    // "Restart": a second server on the same database with a fresh engine, rebuilt from the log.
    let restarted =
        server::AppState::new(app.store.clone(), server::ServerConfig { cookie_secure: false, ..Default::default() });
    assert_eq!(restarted.restore_engine().await.expect("restore"), 5);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base2 = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(server::serve(listener, restarted));
    let after_restart = decide_on(base2.clone(), body(4)).await;
    let without_restart = decide_on(app.base.clone(), body(4)).await;
    for k in ["action", "scenario", "score", "fired"] {
        assert_eq!(
            after_restart[k], without_restart[k],
            "{k} differs after a restart: {after_restart} vs {without_restart}"
        );
    }
    assert_eq!(after_restart["action"], "warn", "five distinct payers into a new account: {after_restart}");
    let replay = decide_on(base2, body(2)).await;
    assert_eq!(replay["duplicate"], true, "an event from before the restart is still a duplicate");
}
both!(restart, restart_keeps_decisions);

async fn fraud_list_holds_and_survives_restart(app: &App) {
    let admin = login(app, "admin").await;
    let (st, list) = admin.post("/api/v1/engine/lists", json!({"op": "add", "kind": "account", "value": "6217000055554444", "colour": "red", "source": "案件 A2026-001"})).await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert_eq!(list[0]["value"], "621*********4444", "values are masked");
    let (st, bad) = admin.post("/api/v1/engine/lists", json!({"op": "add", "kind": "pigeon", "value": "x"})).await;
    assert_eq!((st, bad["message"].as_str().map(|m| m.starts_with("kind"))), (StatusCode::BAD_REQUEST, Some(true)));
    let grid = login(app, "grid_a").await;
    assert_eq!(
        grid.post("/api/v1/engine/lists", json!({"op": "add", "kind": "account", "value": "1", "colour": "red"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (_, key) = admin.post("/api/v1/api-keys", json!({"name": "bank", "unit_id": app.county.office_unit, "jurisdiction_id": app.county.town_a, "permissions": ["decide"]})).await;
    let secret = key["secret"].as_str().expect("secret").to_string();
    let d: Value = Client::new().post(format!("{}/api/v1/decide", app.base)).bearer_auth(&secret)
        .json(&json!({"event_id": "LIST1", "payer_account": "6222000000000077", "payee_account": "6217000055554444", "amount_fen": 100}))
        .send().await.expect("send").json().await.expect("json");
    assert_eq!(d["action"], "hold", "{d}");
    assert_eq!(d["fired"][0]["rule"], "L01");
    // A transfer dated two months ahead is refused, naming the field: one such event would move
    // every window past today after a restart.
    let later =
        jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(24 * 60)).expect("later").to_string();
    let r2 = Client::new().post(format!("{}/api/v1/decide", app.base)).bearer_auth(&secret)
        .json(&json!({"event_id": "LIST2", "time": later, "payer_account": "6222000000000078", "payee_account": "6222000000000079", "amount_fen": 100}))
        .send().await.expect("send");
    let st2 = r2.status();
    let d2: Value = r2.json().await.expect("json");
    assert_eq!(st2, StatusCode::BAD_REQUEST, "{d2}");
    assert!(d2["message"].as_str().is_some_and(|m| m.starts_with("time") && m.contains("ahead")), "{d2}");
    // A list entry older than any window (logged two months ago) still holds after a restart.
    let old_ms = store::now_ms() - 60 * 86_400_000;
    let old = engine::event::Event::List(engine::event::ListUpdate::add(
        "sys:list-old".into(),
        old_ms,
        engine::event::ListKind::Account,
        "6217000099998888".into(),
        engine::event::Colour::Red,
        "案件 A2026-000".into(),
    ));
    app.store
        .log_events(&[("sys:list-old".to_string(), old_ms, serde_json::to_string(&old).expect("json"))])
        .await
        .expect("log the old entry");
    // The list change is in the event log, so a restarted engine still holds.
    for _ in 0..50 {
        if app.store.logged_events(i64::MIN, 0, 100).await.expect("log").len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let restarted =
        server::AppState::new(app.store.clone(), server::ServerConfig { cookie_secure: false, ..Default::default() });
    restarted.restore_engine().await.expect("restore");
    let entries = restarted.engine.list_entries();
    assert!(entries.iter().any(|e| e.value == "6217000055554444"), "list entry rebuilt after restart");
    assert!(
        entries.iter().any(|e| e.value == "6217000099998888"),
        "a list entry older than any window rebuilt after restart"
    );
    // The ruleset is readable with its Chinese names.
    let (_, rs) = admin.get("/api/v1/engine/ruleset").await;
    assert!(
        rs["rule"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x["id"] == "L01" && x["name_zh"] == "收款账户在涉诈红名单")),
        "{rs}"
    );
}
both!(fraud_list, fraud_list_holds_and_survives_restart);

async fn ruleset_reloads_without_restart(app: &App) {
    let admin = login(app, "admin").await;
    let default = engine::ruleset::DEFAULT_RULESET;
    // Invalid: refused with the rule named, old ruleset stays.
    let bad = default.replacen("scenario = \"fraud_account\"\nweight = 25", "scenario = \"nowhere\"\nweight = 25", 1);
    let r = admin
        .c
        .put(format!("{}/api/v1/engine/ruleset", app.base))
        .header("x-csrf-token", &admin.csrf)
        .json(&json!({"toml": bad}))
        .send()
        .await
        .expect("send");
    let st = r.status();
    let e: Value = r.json().await.expect("json");
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(e["message"].as_str().is_some_and(|m| m.contains("M04")), "{e}");
    // Valid: a new version where a new payee alone (M04, 25 points) reaches the warn threshold.
    let shipped = format!("version = \"{}\"", engine::ruleset::Ruleset::default_ruleset().version);
    let new = default.replacen(&shipped, "version = \"test-2\"", 1).replacen(
        "warn = 40\nhold = 80\nsubject = \"payee\"",
        "warn = 20\nhold = 80\nsubject = \"payee\"",
        1,
    );
    let r = admin
        .c
        .put(format!("{}/api/v1/engine/ruleset", app.base))
        .header("x-csrf-token", &admin.csrf)
        .json(&json!({"toml": new}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::OK);
    let (_, key) = admin.post("/api/v1/api-keys", json!({"name": "bank", "unit_id": app.county.office_unit, "jurisdiction_id": app.county.town_a, "permissions": ["decide"]})).await;
    let secret = key["secret"].as_str().expect("secret").to_string();
    watch_since(&app.base, &secret).await;
    let d: Value = Client::new().post(format!("{}/api/v1/decide", app.base)).bearer_auth(&secret)
        .json(&json!({"event_id": "RS1", "payer_account": "6222000000000088", "payee_account": "6217000077776666", "amount_fen": 100}))
        .send().await.expect("send").json().await.expect("json");
    assert_eq!((d["action"].as_str(), d["ruleset_version"].as_str()), (Some("warn"), Some("test-2")), "{d}");
    // And it is the ruleset a restarted engine starts with.
    let restarted =
        server::AppState::new(app.store.clone(), server::ServerConfig { cookie_secure: false, ..Default::default() });
    restarted.restore_engine().await.expect("restore");
    assert_eq!(restarted.engine.ruleset().version, "test-2");
    // The version history keeps what was in force and by whom; an old file can be read back.
    let (_, versions) = admin.get("/api/v1/engine/rulesets").await;
    assert_eq!(versions[0]["version"], "test-2", "{versions}");
    assert!(versions[0]["created_by"].as_str().is_some_and(|by| by.starts_with("admin · ")), "{versions}");
    let (_, body) = admin.get("/api/v1/engine/rulesets/test-2").await;
    assert!(body["toml"].as_str().is_some_and(|t| t.contains("warn = 20")), "{body}");
}
both!(ruleset_reload, ruleset_reloads_without_restart);

async fn shadow_is_compared_promoted_and_rolled_back(app: &App) {
    use reqwest::Method;
    let admin = login(app, "admin").await;
    let shipped = engine::ruleset::Ruleset::default_ruleset().version;
    // The candidate: a new payee alone (M04, 25 points) reaches the warn threshold.
    let candidate = engine::ruleset::DEFAULT_RULESET
        .replacen(&format!("version = \"{shipped}\""), "version = \"cand-1\"", 1)
        .replacen("warn = 40\nhold = 80\nsubject = \"payee\"", "warn = 20\nhold = 80\nsubject = \"payee\"", 1);
    app.store.save_ruleset("cand-1", &candidate, "研判员", "").await.expect("saved");
    let (st, none) = admin.get("/api/v1/engine/shadow").await;
    assert_eq!((st, &none["running"], &none["comparison"]), (StatusCode::OK, &json!(false), &Value::Null), "{none}");
    let (st, _) = admin.send(Method::PUT, "/api/v1/engine/shadow", json!({"ruleset_version": "nope"})).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "an unknown ruleset version is absent");
    let (st, v) = admin.send(Method::PUT, "/api/v1/engine/shadow", json!({"ruleset_version": "cand-1"})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!((&v["running"], &v["comparison"]["run"]["ruleset_version"]), (&json!(true), &json!("cand-1")), "{v}");
    let run = v["comparison"]["run"]["id"].as_i64().expect("run id");

    let (_, key) = admin.post("/api/v1/api-keys", json!({"name": "bank", "unit_id": app.county.office_unit, "jurisdiction_id": app.county.town_a, "permissions": ["decide"]})).await;
    let secret = key["secret"].as_str().expect("secret").to_string();
    watch_since(&app.base, &secret).await;
    let decide = |id: &str, payee: &str| {
        Client::new().post(format!("{}/api/v1/decide", app.base)).bearer_auth(&secret)
            .json(&json!({"event_id": id, "payer_account": "6222000000000091", "payee_account": payee, "amount_fen": 100, "payer_phone": "13912340001"}))
            .send()
    };
    for (id, payee) in [("SH1", "6217000055550091"), ("SH2", "6217000055550092")] {
        let d: Value = decide(id, payee).await.expect("send").json().await.expect("json");
        // The shadow is not acted on: the engine in force allows, no warning is raised.
        assert_eq!(
            (d["action"].as_str(), d["ruleset_version"].as_str(), &d["warning_id"]),
            (Some("allow"), Some(shipped.as_str()), &Value::Null),
            "{d}"
        );
    }
    // The work system confirms the first payee as a fraud account (a case names it).
    let station = app.store.list_stations().await.expect("stations").into_iter().next().expect("a station");
    app.store
        .insert_cases(
            &[NewCase {
                case_no: "SH-CASE".into(),
                reported_at: store::now_ms(),
                filed_at: None,
                solved_at: None,
                station_id: station.id,
                jurisdiction_id: app.county.village_a,
                fraud_type: "刷单返利".into(),
                loss_fen: 100,
                recovered_fen: 0,
                arrested: 0,
                victim_resident_id: None,
                victim_age_band: String::new(),
                victim_occupation: String::new(),
                contact_channel: String::new(),
                status: domain::case::CaseStatus::Reported,
                observables: vec![("bank_account".into(), "6217000055550091".into())],
            }],
            None,
        )
        .await
        .expect("case");
    let (_, v) = admin.get("/api/v1/engine/shadow").await;
    let c = &v["comparison"];
    assert_eq!((&c["in_force"]["warnings"], &c["candidate"]["warnings"]), (&json!(0), &json!(2)), "{v}");
    assert_eq!(
        (&c["known_frauds"], &c["candidate"]["frauds_caught"], &c["caught_only_candidate"]),
        (&json!(1), &json!(1), &json!(1)),
        "{v}"
    );
    assert_eq!(
        (&c["stations"][0]["station"], &c["stations"][0]["candidate"]),
        (&json!("甲所"), &json!(2)),
        "routed to the payer's station: {v}"
    );
    assert_eq!(c["days"].as_array().map(Vec::len), Some(1), "{v}");
    // A restarted engine runs the same shadow.
    let restarted =
        server::AppState::new(app.store.clone(), server::ServerConfig { cookie_secure: false, ..Default::default() });
    restarted.restore_engine().await.expect("restore");
    assert_eq!(restarted.engine.shadow_run(), Some(run));

    // Promoted: the candidate decides, the run is over, and it can be rolled back.
    let (st, v) = admin.post("/api/v1/engine/shadow/promote", json!({})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        (&v["running"], &v["last_promotion"]["id"], &v["last_promotion"]["replaced_ruleset"]),
        (&json!(false), &json!(run), &json!(shipped)),
        "{v}"
    );
    let d: Value = decide("SH3", "6217000055550093").await.expect("send").json().await.expect("json");
    assert_eq!((d["action"].as_str(), d["ruleset_version"].as_str()), (Some("warn"), Some("cand-1")), "{d}");
    let (st, _) = admin.post("/api/v1/engine/shadow/promote", json!({})).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "nothing runs in shadow any more");
    let restarted =
        server::AppState::new(app.store.clone(), server::ServerConfig { cookie_secure: false, ..Default::default() });
    restarted.restore_engine().await.expect("restore");
    assert_eq!((restarted.engine.ruleset().version.as_str(), restarted.engine.shadow_run()), ("cand-1", None));

    // Rolled back: what was in force before decides again, once.
    let (st, v) = admin.post("/api/v1/engine/shadow/rollback", json!({})).await;
    assert_eq!((st, &v["last_promotion"]), (StatusCode::OK, &Value::Null), "{v}");
    let d: Value = decide("SH4", "6217000055550094").await.expect("send").json().await.expect("json");
    assert_eq!((d["action"].as_str(), d["ruleset_version"].as_str()), (Some("allow"), Some(shipped.as_str())), "{d}");
    let (st, _) = admin.post("/api/v1/engine/shadow/rollback", json!({})).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let restarted =
        server::AppState::new(app.store.clone(), server::ServerConfig { cookie_secure: false, ..Default::default() });
    restarted.restore_engine().await.expect("restore");
    assert_eq!(restarted.engine.ruleset().version, shipped);

    // Start, promote and roll back are each one audit entry; stopping a run is too.
    let (_, v) = admin.send(Method::PUT, "/api/v1/engine/shadow", json!({})).await;
    assert_eq!(v["comparison"]["run"]["ruleset_version"], json!(shipped), "the ruleset in force by default: {v}");
    let (st, v) = admin.send(Method::DELETE, "/api/v1/engine/shadow", json!({})).await;
    assert_eq!(
        (st, &v["running"], &v["comparison"]["run"]["outcome"]),
        (StatusCode::OK, &json!(false), &json!("stopped")),
        "{v}"
    );
    let (_, log) = admin.get("/api/v1/audit?object_type=engine_shadow").await;
    let actions: Vec<&str> =
        log["items"].as_array().expect("items").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions.len(), 5, "{log}");
    // Officers may not touch it.
    let officer = login(app, "officer_a").await;
    assert_eq!(officer.get("/api/v1/engine/shadow").await.0, StatusCode::FORBIDDEN);
}
both!(shadow_runs, shadow_is_compared_promoted_and_rolled_back);

async fn fund_trace_and_mules(app: &App) {
    // Days of the last week: events must lie within the event-time window of the server.
    let (d0, d1, d2) = (days_ago(3), days_ago(2), days_ago(1));
    let admin = login(app, "admin").await;
    let (_, key) = admin.post("/api/v1/api-keys", json!({"name": "bank", "unit_id": app.county.office_unit, "jurisdiction_id": app.county.town_a, "permissions": ["decide"]})).await;
    let secret = key["secret"].as_str().expect("secret").to_string();
    let bank = Client::new();
    // M1 is a fraud account of a case: the victim's transfer to it is held, and the warning
    // goes to the victim's station (A), which may then trace from the victim's account.
    let (st, l) = admin.post("/api/v1/engine/lists", json!({"op": "add", "kind": "account", "value": "62220000000000M1", "colour": "red", "source": "案件 A2026-009"})).await;
    assert_eq!(st, StatusCode::OK, "{l}");
    // Victim V pays mule M1 100,000 yuan; M1 splits to M2 (60,000) and M3 (30,000); M2 passes
    // 50,000 to M4, which takes it out at an ATM.
    let steps = [
        ("V", "M1", 10_000_000, "online"),
        ("M1", "M2", 6_000_000, "online"),
        ("M1", "M3", 3_000_000, "online"),
        ("M2", "M4", 5_000_000, "online"),
        ("M4", "CASH", 5_000_000, "atm"),
    ];
    for (i, (from, to, fen, ch)) in steps.iter().enumerate() {
        let r = bank.post(format!("{}/api/v1/decide", app.base)).bearer_auth(&secret)
            .json(&json!({"event_id": format!("FT{i}"), "time": format!("{d0}T10:0{i}:00+08:00"), "payer_account": format!("62220000{from:0>8}"), "payee_account": format!("62220000{to:0>8}"), "amount_fen": fen, "channel": ch,
                // The victim is a resident of area A.
                "payer_phone": if i == 0 { Some("13912340001") } else { None }}))
            .send().await.expect("decide");
        assert_eq!(r.status(), StatusCode::OK);
    }
    // The event log is written in the background; wait until it holds them (and the list entry).
    for _ in 0..100 {
        if app.store.event_log_len().await.expect("len") >= 6 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let a = login(app, "officer_a").await;
    let (st, t) = a.get(&format!("/api/v1/flow/trace?account=6222000000000000V&since={d0}T09:00:00%2B08:00")).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{t}");
    let (st, t) =
        a.get(&format!("/api/v1/flow/trace?account=622200000000000V&since={d0}T09:00:00%2B08:00&hops=6")).await;
    assert_eq!(st, StatusCode::OK, "{t}");
    assert_eq!(t["traced_out_fen"], 10_000_000);
    let node = |acct: &str| {
        t["nodes"].as_array().expect("nodes").iter().find(|n| n["account"] == acct).cloned().unwrap_or(Value::Null)
    };
    assert_eq!(
        (node("6222********00M1")["level"].as_u64(), node("6222********00M1")["held_fen"].as_i64()),
        (Some(1), Some(1_000_000))
    );
    assert_eq!(node("6222********00M2")["held_fen"], 1_000_000);
    assert_eq!(node("6222********00M4")["held_fen"], 0, "M4 took the money out");
    assert_eq!(node("6222********CASH")["stop"], "cash_out", "{t}");
    assert_eq!(t["freeze"][0]["account"], "6222********00M3", "M3 holds the most: freeze it first");
    assert_eq!(t["freeze"][0]["held_fen"], 3_000_000);
    let until = t["freeze"][0]["stop_payment_until_ms"].as_i64().expect("until") - store::now_ms();
    assert!((47 * 3_600_000..=48 * 3_600_000).contains(&until), "48 hours, computed");
    // The workbook has the numbers in clear, so it needs the unmask permission and is audited.
    let xlsx = format!("{}/api/v1/flow/trace.xlsx?account=622200000000000V&since={d0}T09:00:00%2B08:00", app.base);
    let r = a.c.get(&xlsx).send().await.expect("xlsx");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "the clear-text workbook needs a reason");
    let r =
        a.c.get(format!("{xlsx}&reason=%E5%90%91%E9%93%B6%E8%A1%8C%E8%B0%83%E5%8F%96%E6%B5%81%E6%B0%B4"))
            .send()
            .await
            .expect("xlsx");
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.expect("bytes");
    assert_eq!(&bytes[..2], b"PK", "an XLSX (zip) file");
    let office = login(app, "office").await;
    assert_eq!(
        office
            .c
            .get(format!("{xlsx}&reason=%E5%90%91%E9%93%B6%E8%A1%8C%E8%B0%83%E5%8F%96%E6%B5%81%E6%B0%B4"))
            .send()
            .await
            .expect("x")
            .status(),
        StatusCode::FORBIDDEN
    );
    let (_, log) = admin.get("/api/v1/audit?object_type=fund_trace").await;
    assert!(log["items"].as_array().is_some_and(|i| i.iter().any(|e| e["action"] == "export")), "{log}");

    // Five new payers into one new account within the window: a fan-in, found and put on the
    // list as amber, not red.
    for i in 0..5 {
        bank.post(format!("{}/api/v1/decide", app.base)).bearer_auth(&secret)
            .json(&json!({"event_id": format!("FI{i}"), "time": format!("{d1}T10:0{i}:00+08:00"), "payer_account": format!("62221111000000{i:02}"), "payee_account": "6222999900001111", "amount_fen": 500_000}))
            .send().await.expect("decide");
    }
    for _ in 0..100 {
        if app.store.event_log_len().await.expect("len") >= 11 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (st, m) = admin
        .post(
            "/api/v1/flow/mules",
            json!({"from": format!("{d1}T00:00:00+08:00"), "to": format!("{d2}T00:00:00+08:00"), "add_amber": true}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{m}");
    let hub = m["found"]
        .as_array()
        .expect("found")
        .iter()
        .find(|f| f["account"] == "6222********1111")
        .cloned()
        .expect("the hub is found");
    assert_eq!((hub["typology"].as_str(), hub["fan_in"].as_u64()), (Some("fan_in"), Some(5)));
    assert_eq!(hub["inflow_fen"], 2_500_000, "five payments of 5,000 yuan, to the fen");
    // One fixed sum from each payer is not a split the payers take part in: they are not found.
    assert_eq!(m["found"].as_array().map(Vec::len), Some(1), "only the hub: {m}");
    let (_, lists) = admin.get("/api/v1/engine/lists").await;
    assert!(
        lists.as_array().is_some_and(|l| l.iter().any(|e| e["value"] == "622********1111"
            || (e["value"].as_str().is_some_and(|v| v.ends_with("1111")) && e["colour"] == "amber"))),
        "{lists}"
    );
}
both!(fund_trace, fund_trace_and_mules);

async fn cases_ranking_and_lifecycle(app: &App) {
    let d = |s: &str| s.parse::<jiff::civil::Date>().expect("date");
    let tb = app.store.jurisdiction_by_code("TB").await.expect("tb").expect("tb").id;
    app.store.set_population(app.county.town_a, d("2025-12-31"), 10_000, "test", None).await.expect("pop");
    app.store.set_population(tb, d("2025-12-31"), 40_000, "test", None).await.expect("pop");
    // From February, town B has fewer residents: its February per-10k uses that figure.
    app.store.set_population(tb, d("2026-02-01"), 5_000, "test", None).await.expect("pop");
    let a = login(app, "officer_a").await;
    // A form entry, then an import of the police system's export with bad rows.
    let (st, c) = a.post("/api/v1/cases", json!({"case_no": "A2026-0001", "reported_at": "2026-01-05T10:00:00+08:00", "station": "PSA", "fraud_type": "刷单返利", "loss_yuan": "12000.50", "age_band": "46_60"})).await;
    assert_eq!(st, StatusCode::OK, "{c}");
    assert_eq!(
        (c["loss_fen"].as_i64(), c["fraud_type"].as_str(), c["status"].as_str()),
        (Some(1_200_050), Some("brushing_rebate"), Some("reported"))
    );
    let (st, e) = a.post("/api/v1/cases", json!({"case_no": "X1", "reported_at": "2026-01-05T10:00:00+08:00", "station": "PSB", "jurisdiction_code": "VB", "fraud_type": "刷单返利", "loss_yuan": "1"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "officer A cannot register a case of area B: {e}");
    let csv = "案件编号,报案时间,派出所,受害人所在辖区,诈骗类型,损失金额(元)\n\
               A2026-0002,2026-01-20 09:00:00,甲所,VA,虚假投资理财,50000\n\
               A2026-0003,2026-02-03T09:00:00+08:00,PSA,VA,冒充公检法,800000\n\
               A2026-0004,2026-02-04T09:00:00+08:00,PSA,VA,冒充外星人,1\n\
               A2026-0005,not a time,PSA,VA,刷单返利,1\n\
               A2026-0006,2026-02-05T09:00:00+08:00,PSA,VA,刷单返利,1.234\n\
               A2026-0001,2026-02-05T09:00:00+08:00,PSA,VA,刷单返利,1\n";
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("cases.csv"));
    let rep: Value =
        a.c.post(format!("{}/api/v1/cases/import", app.base))
            .header("x-csrf-token", &a.csrf)
            .multipart(form)
            .send()
            .await
            .expect("s")
            .json()
            .await
            .expect("j");
    assert_eq!(rep["accepted"], 2, "{rep}");
    let fields: Vec<(u64, &str)> = rep["rejected"]
        .as_array()
        .expect("r")
        .iter()
        .map(|e| (e["row"].as_u64().expect("row"), e["field"].as_str().expect("f")))
        .collect();
    assert_eq!(fields, vec![(4, "fraud_type"), (5, "reported_at"), (6, "loss_yuan"), (7, "case_no")]);
    // Station B: one case in January, two in February.
    let admin = login(app, "admin").await;
    for (no, at) in
        [("B1", "2026-01-09T09:00:00+08:00"), ("B2", "2026-02-09T09:00:00+08:00"), ("B3", "2026-02-10T09:00:00+08:00")]
    {
        let (st, c) = admin.post("/api/v1/cases", json!({"case_no": no, "reported_at": at, "station": "乙所", "fraud_type": "虚假征信", "loss_yuan": "100"})).await;
        assert_eq!(st, StatusCode::OK, "{c}");
    }
    let b = login(app, "officer_b").await;
    assert_eq!(b.get("/api/v1/cases").await.1["total"], 3, "officer B sees the cases of area B only");
    assert_eq!(a.get("/api/v1/cases?month=2026-01").await.1["total"], 2);
    // Lifecycle: forward only; a closed case is final.
    let id = c["id"].as_i64().expect("id");
    assert_eq!(a.post(&format!("/api/v1/cases/{id}/status"), json!({"status": "filed"})).await.0, StatusCode::OK);
    assert_eq!(a.post(&format!("/api/v1/cases/{id}/status"), json!({"status": "closed"})).await.0, StatusCode::OK);
    let (st, e) = a.post(&format!("/api/v1/cases/{id}/status"), json!({"status": "solved"})).await;
    assert_eq!(st, StatusCode::CONFLICT, "a closed case cannot be reopened: {e}");
    // The February ranking, as of a cut-off.
    let cutoff = jiff::Timestamp::now().to_string();
    let q =
        format!("/api/v1/supervision/ranking?month=2026-02&cutoff={}", cutoff.replace('+', "%2B").replace(':', "%3A"));
    let o = login(app, "office").await;
    let (st, r) = o.get(&q).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["stored"], false);
    let row = |name: &str| {
        r["ranking"].as_array().expect("ranking").iter().find(|x| x["station"] == name).cloned().expect("station")
    };
    assert_eq!((row("甲所")["cases"].as_u64(), row("乙所")["cases"].as_u64()), (Some(1), Some(2)));
    assert_eq!(row("乙所")["per_10k"], 4.0, "February uses town B's February population (5,000)");
    assert_eq!(row("甲所")["rank_loss"], 1, "800,000 yuan");
    // Reading stores nothing; the office publishes the month at the cut-off, audited.
    let (st, p) = o.post("/api/v1/supervision/ranking/publish", json!({"month": "2026-02", "cutoff": cutoff})).await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert_eq!(p["ranking"], r["ranking"]);
    // Publishing again at the same cut-off stores nothing new; each act has its entry.
    let (st, _) = o.post("/api/v1/supervision/ranking/publish", json!({"month": "2026-02", "cutoff": cutoff})).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(prevention::audited(app, "ranking", "publish").await, vec![Some("2026-02".to_string()); 2]);
    let future = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24)).to_string();
    let (st, e) = o.post("/api/v1/supervision/ranking/publish", json!({"month": "2026-02", "cutoff": future})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "a cut-off in the future is refused: {e}");
    // A case registered after the cut-off does not change the published ranking.
    admin.post("/api/v1/cases", json!({"case_no": "B4", "reported_at": "2026-02-11T09:00:00+08:00", "station": "乙所", "fraud_type": "虚假征信", "loss_yuan": "100"})).await;
    let (_, again) = o.get(&q).await;
    assert_eq!(
        again["stored"], true,
        "recomputed under the same rules and cut-off, equal to the stored result: {again}"
    );
    assert_eq!(again["ranking"], r["ranking"]);
    // Without a cut-off, the published ranking is what one gets.
    let (_, published) = o.get("/api/v1/supervision/ranking?month=2026-02").await;
    assert_eq!(
        (published["stored"].as_bool(), published["provisional"].as_bool()),
        (Some(true), Some(false)),
        "{published}"
    );
    assert_eq!(published["ranking"], r["ranking"]);
    assert_eq!(b.get("/api/v1/cases").await.1["total"], 4);
    // The ladder: the 800,000-yuan case needs a full trace-back; the evaluation names the
    // county's highest rate.
    let (_, ladder) = o.get("/api/v1/supervision/ladder?month=2026-02").await;
    assert_eq!(
        ladder["traceback"]
            .as_array()
            .map(|t| t.iter().map(|x| x["case_no"].as_str().unwrap_or("")).collect::<Vec<_>>()),
        Some(vec!["A2026-0003"]),
        "{ladder}"
    );
    assert_eq!(ladder["named"], json!(["乙镇", "甲村"]), "named by case count: {ladder}");
    let (_, ev) = o.get("/api/v1/supervision/evaluation?year=2026").await;
    let st = |n: &str| {
        ev["stations"].as_array().expect("stations").iter().find(|x| x["station"] == n).cloned().expect("station")
    };
    assert_eq!(
        (st("甲所")["cases_up"].as_bool(), st("甲所")["award_eligible"].as_bool()),
        (Some(true), Some(false)),
        "{ev}"
    );
    // Statistics of the caller's area, month on month and year on year.
    let (st, _) = admin.post("/api/v1/cases", json!({"case_no": "Y1", "reported_at": "2025-02-10T09:00:00+08:00", "station": "甲所", "fraud_type": "刷单返利", "loss_yuan": "10"})).await;
    assert_eq!(st, StatusCode::OK);
    let (_, stats) = o.get("/api/v1/supervision/stats?month=2026-02").await;
    assert_eq!((stats["cases"].as_u64(), stats["mom_cases_pct"].as_f64()), (Some(4), Some(33.3)), "{stats}");
    assert_eq!(stats["yoy_cases_pct"].as_f64(), Some(300.0), "four cases against one in February 2025: {stats}");
    let series: Vec<&str> =
        stats["series"].as_array().expect("series").iter().map(|x| x["month"].as_str().unwrap_or("")).collect();
    assert_eq!((series.len(), series[0], series[23]), (24, "2024-03", "2026-02"));
    assert_eq!(
        stats["by_type"].as_array().map(|t| t
            .iter()
            .map(|x| (x["name_zh"].as_str().unwrap_or(""), x["cases"].as_u64().unwrap_or(0)))
            .collect::<Vec<_>>()),
        Some(vec![("虚假征信", 3), ("冒充公检法", 1)])
    );
    assert_eq!(b.get("/api/v1/supervision/stats?month=2026-02").await.1["cases"], 3, "officer B counts area B only");
    // Case linking: two cases share a suspect's account through another's phone.
    let mk = |no: &str, obs: Value| json!({"case_no": no, "reported_at": "2026-03-01T10:00:00+08:00", "station": "PSA", "fraud_type": "刷单返利", "loss_yuan": "100", "observables": obs});
    let (_, l1) = a.post("/api/v1/cases", mk("L1", json!([{"kind": "bank_account", "value": "6222 0000 1111 2222"}, {"kind": "phone", "value": "170-1234-5678"}]))).await;
    let (_, l2) = a.post("/api/v1/cases", mk("L2", json!([{"kind": "phone", "value": "17012345678"}]))).await;
    let (_, l3) = a.post("/api/v1/cases", mk("L3", json!([{"kind": "url", "value": "http://fanli.top/"}]))).await;
    let (st, bad) = a.post("/api/v1/cases", mk("L4", json!([{"kind": "bank_account", "value": "not digits"}]))).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}");
    let (_, links) = a.get(&format!("/api/v1/cases/{}/links", l1["id"])).await;
    let linked: Vec<&str> =
        links.as_array().expect("links").iter().map(|x| x["case"]["case_no"].as_str().expect("no")).collect();
    assert_eq!(linked, vec!["L2"], "the same phone written two ways links the cases");
    assert_eq!(a.get(&format!("/api/v1/cases/{}/links", l3["id"])).await.1, json!([]));
    let (_, obs) = a.get(&format!("/api/v1/cases/{}/observables", l2["id"])).await;
    assert_eq!(obs[0]["value"], "170****5678", "masked");
    // The suspects' account is on the fraud list as amber, not red.
    let (_, lists) = admin.get("/api/v1/engine/lists").await;
    let entry = lists
        .as_array()
        .expect("lists")
        .iter()
        .find(|e| e["value"].as_str().is_some_and(|v| v.ends_with("2222") && v.starts_with("622")))
        .cloned()
        .expect("listed");
    assert_eq!(entry["colour"], "amber");
}
both!(cases, cases_ranking_and_lifecycle);

async fn bank_requests(app: &App) {
    let admin = login(app, "admin").await;
    let (st, bank) = admin.post("/api/v1/units", json!({"code": "RCB", "name": "农商银行甲镇支行", "kind": "bank_branch", "jurisdiction_id": app.county.town_a})).await;
    assert_eq!(st, StatusCode::OK, "{bank}");
    let bank_id = bank["id"].as_i64().expect("id");
    let (st, u) = admin.post("/api/v1/users", json!({"username": "liaison", "display_name": "联络员", "password": PW, "role": "bank_liaison", "unit_id": bank_id, "jurisdiction_id": app.county.town_a})).await;
    assert_eq!(st, StatusCode::OK, "{u}");
    let req = |kind: &str| json!({"kind": kind, "account": "6222 0011 2233 4455", "bank_unit_id": bank_id, "amount_yuan": "30000", "case_id": null});
    let (st, r1) = admin.post("/api/v1/bank-requests", req("stop_payment")).await;
    assert_eq!(
        (st, r1["status"].as_str(), r1["account"].as_str()),
        (StatusCode::OK, Some("pending"), Some("6222********4455")),
        "{r1}"
    );
    assert_eq!(admin.post("/api/v1/bank-requests", req("stop_payment")).await.0, StatusCode::OK);
    let (st, e) = admin.post("/api/v1/bank-requests", req("stop_payment")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "a third stop-payment in the same case is refused: {e}");
    let (st, _) = admin
        .post(
            "/api/v1/bank-requests",
            json!({"kind": "stop_payment", "account": "1", "bank_unit_id": app.county.office_unit, "amount_yuan": "1"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // The bank sees its requests with the account in clear and answers them.
    let l = first_login(app, "liaison").await;
    let (_, list) = l.get("/api/v1/bank-requests").await;
    assert_eq!(list["total"], 2);
    assert_eq!(list["items"][0]["account"], "6222001122334455");
    let id1 = r1["id"].as_i64().expect("id");
    let (st, done) = l.post(&format!("/api/v1/bank-requests/{id1}/answer"), json!({"executed": true})).await;
    assert_eq!(st, StatusCode::OK, "{done}");
    let span = done["expires_at"].as_i64().expect("expires") - done["answered_at"].as_i64().expect("answered");
    assert_eq!(span, 48 * 3_600_000, "48 hours from execution, computed");
    assert_eq!(
        l.post(&format!("/api/v1/bank-requests/{id1}/answer"), json!({"executed": false, "reason": "x"})).await.0,
        StatusCode::CONFLICT,
        "answered once"
    );
    // The answer and its entry commit together: one entry for the answer, none for the refused second.
    let answers = app
        .store
        .list_audit(
            &AuditFilter {
                object_type: Some("bank_request".into()),
                object_id: Some(id1.to_string()),
                action: Some("update".into()),
                ..Default::default()
            },
            PageReq::default(),
        )
        .await
        .expect("audit");
    assert_eq!(answers.total, 1);
    let id2 = list["items"][0]["id"].as_i64().expect("id");
    assert_eq!(
        l.post(&format!("/api/v1/bank-requests/{id2}/answer"), json!({"executed": false})).await.0,
        StatusCode::BAD_REQUEST,
        "a failure needs its reason"
    );
    let (st, failed) = l
        .post(&format!("/api/v1/bank-requests/{id2}/answer"), json!({"executed": false, "reason": "本行查无此账户"}))
        .await;
    assert_eq!((st, failed["status"].as_str()), (StatusCode::OK, Some("failed")));
    // The centre sees the failure and its reason, masked; a freeze runs six months.
    let (_, seen) = admin.get("/api/v1/bank-requests").await;
    assert!(
        seen["items"].as_array().expect("items").iter().any(|r| r["status"] == "failed"
            && r["answer_reason"] == "本行查无此账户"
            && r["account"] == "6222********4455"),
        "{seen}"
    );
    let (_, f) = admin.post("/api/v1/bank-requests", req("freeze")).await;
    let (_, fdone) = l.post(&format!("/api/v1/bank-requests/{}/answer", f["id"]), json!({"executed": true})).await;
    let days = (fdone["expires_at"].as_i64().expect("e") - fdone["answered_at"].as_i64().expect("a")) / 86_400_000;
    assert!((181..=184).contains(&days), "six calendar months: {days} days");
    // Another role cannot answer for the bank.
    assert_eq!(
        admin.post(&format!("/api/v1/bank-requests/{}/answer", f["id"]), json!({"executed": true})).await.0,
        StatusCode::FORBIDDEN
    );
}
both!(bank, bank_requests);

async fn public_clues(app: &App) {
    let public = Client::new();
    let submit = |body: Value| public.post(format!("{}/api/v1/public/clues", app.base)).json(&body).send();
    use base64::Engine;
    let png: Vec<u8> = [&b"\x89PNG\r\n\x1a\n"[..], &[3u8; 600][..]].concat();
    let shot = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(&png));
    let html = base64::engine::general_purpose::STANDARD.encode(b"<html><body>not a picture</body></html>");
    assert_eq!(
        submit(json!({"kind": "phone", "value": "170 8888 9999", "screenshot_base64": html}))
            .await
            .expect("s")
            .status(),
        StatusCode::BAD_REQUEST,
        "a screenshot must be a picture"
    );
    let r = submit(json!({"kind": "phone", "value": "170 8888 9999", "description": "自称客服要我退款", "contact": "13912340001", "screenshot_base64": shot})).await.expect("send");
    assert_eq!(r.status(), StatusCode::OK);
    let ref_no = r.json::<Value>().await.expect("json")["ref_no"].as_str().expect("ref").to_string();
    assert!(ref_no.starts_with("JB") && ref_no.len() == 19, "{ref_no}");
    assert_eq!(submit(json!({"kind": "pigeon", "value": "x"})).await.expect("s").status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        submit(json!({"kind": "phone", "value": "not a number"})).await.expect("s").status(),
        StatusCode::BAD_REQUEST
    );
    // Five attempts per address in ten minutes, refused ones included (counted before the body
    // is read, so a flood of large bodies is not read either): four were made above.
    let mut codes = Vec::new();
    for i in 0..5 {
        codes.push(submit(json!({"kind": "url", "value": format!("http://fake{i}.cn")})).await.expect("s").status());
    }
    assert_eq!(
        codes,
        [
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    // The analyst confirms it (with a reward); the number is then on the fraud list in red.
    let admin = login(app, "admin").await;
    let (_, list) = admin.get("/api/v1/clues").await;
    let clue = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["ref_no"] == ref_no.as_str())
        .cloned()
        .expect("clue");
    assert_eq!(clue["value"], "170****9999", "masked");
    assert_eq!(clue["has_screenshot"], true);
    let pic = admin.c.get(format!("{}/api/v1/clues/{}/screenshot", app.base, clue["id"])).send().await.expect("get");
    assert_eq!(pic.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/png"));
    assert_eq!(pic.bytes().await.expect("bytes").to_vec(), png, "the screenshot comes back as sent");
    let (_, log) = admin.get(&format!("/api/v1/audit?object_type=clue_screenshot&object_id={}", clue["id"])).await;
    assert_eq!(log["total"], 1, "viewing it is audited");
    let (st, done) = admin
        .post(&format!("/api/v1/clues/{}/review", clue["id"]), json!({"confirmed": true, "reward_yuan": "200"}))
        .await;
    assert_eq!(
        (st, done["status"].as_str(), done["reward_fen"].as_i64()),
        (StatusCode::OK, Some("confirmed"), Some(20_000)),
        "{done}"
    );
    assert_eq!(
        admin.post(&format!("/api/v1/clues/{}/review", clue["id"]), json!({"confirmed": false})).await.0,
        StatusCode::CONFLICT
    );
    let (_, lists) = admin.get("/api/v1/engine/lists").await;
    assert!(
        lists.as_array().expect("lists").iter().any(|e| e["kind"] == "phone"
            && e["colour"] == "red"
            && e["value"].as_str().is_some_and(|v| v.ends_with("9999"))),
        "{lists}"
    );
    assert_eq!(login(app, "officer_a").await.get("/api/v1/clues").await.0, StatusCode::FORBIDDEN);
}
both!(clues, public_clues);

/// Reads every sheet of a workbook: sheet → rows of cells.
fn workbook(bytes: Vec<u8>) -> std::collections::BTreeMap<String, Vec<Vec<calamine::Data>>> {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("xlsx");
    wb.sheet_names()
        .into_iter()
        .map(|n| {
            let rows = wb.worksheet_range(&n).expect("sheet").rows().map(|r| r.to_vec()).collect();
            (n, rows)
        })
        .collect()
}

async fn reports_snapshot_scope_and_agreement(app: &App) {
    let d = |s: &str| s.parse::<jiff::civil::Date>().expect("date");
    let tb = app.store.jurisdiction_by_code("TB").await.expect("tb").expect("tb").id;
    app.store.set_population(app.county.town_a, d("2025-12-31"), 10_000, "test", None).await.expect("pop");
    app.store.set_population(tb, d("2025-12-31"), 40_000, "test", None).await.expect("pop");
    let admin = login(app, "admin").await;
    for (no, at, station, t, loss) in [
        ("R1", "2026-02-02T09:00:00+08:00", "甲所", "刷单返利", "1200.50"),
        ("R2", "2026-02-20T09:00:00+08:00", "甲所", "虚假投资理财", "600000"),
        ("R3", "2026-02-21T09:00:00+08:00", "乙所", "刷单返利", "300"),
        ("R4", "2026-01-21T09:00:00+08:00", "乙所", "刷单返利", "300"),
    ] {
        let (st, c) = admin
            .post(
                "/api/v1/cases",
                json!({"case_no": no, "reported_at": at, "station": station, "fraud_type": t, "loss_yuan": loss}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{c}");
    }
    // R1 is solved with two suspects caught: the first of the four ups.
    let (_, list) = admin.get("/api/v1/cases?month=2026-02").await;
    let r1 = list["items"].as_array().expect("items").iter().find(|c| c["case_no"] == "R1").expect("R1")["id"]
        .as_i64()
        .expect("id");
    assert_eq!(admin.post(&format!("/api/v1/cases/{r1}/status"), json!({"status": "filed"})).await.0, StatusCode::OK);
    let (st, solved) =
        admin.post(&format!("/api/v1/cases/{r1}/status"), json!({"status": "solved", "arrested": 2})).await;
    assert_eq!((st, solved["arrested"].as_i64()), (StatusCode::OK, Some(2)), "{solved}");
    assert_eq!(
        admin.post(&format!("/api/v1/cases/{r1}/status"), json!({"status": "closed", "arrested": -1})).await.0,
        StatusCode::BAD_REQUEST
    );
    let o = login(app, "office").await;
    let (st, bad) = o.post("/api/v1/reports", json!({"kind": "analysis", "period": "2026-02"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "the analysis needs a half month: {bad}");
    let (st, r) = o.post("/api/v1/reports", json!({"kind": "bulletin", "period": "2026-02"})).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let id = r["id"].as_i64().expect("id");
    assert_eq!((r["status"].as_str(), r["version"].as_i64()), (Some("draft"), Some(1)));
    let (_, detail) = o.get(&format!("/api/v1/reports/{id}")).await;
    let content = detail["content"].clone();
    // The report's numbers are the statistics API's numbers for the same month.
    let (_, stats) = o.get("/api/v1/supervision/stats?month=2026-02").await;
    let table = |sheet: &str| {
        content["sections"]
            .as_array()
            .expect("sections")
            .iter()
            .flat_map(|s| s["blocks"].as_array().expect("blocks").clone())
            .find(|b| b["sheet"] == sheet)
            .unwrap_or_else(|| panic!("table {sheet}"))
    };
    let types = table("案件类型");
    assert_eq!(types["total"][1].as_f64(), stats["cases"].as_f64(), "cases: {types}");
    assert_eq!(
        types["total"][3].as_f64(),
        Some(stats["loss_fen"].as_f64().expect("loss") / 1_000_000.0),
        "loss in 10,000 yuan"
    );
    for t in stats["by_type"].as_array().expect("by_type") {
        let row = types["rows"].as_array().expect("rows").iter().find(|r| r[0] == t["name_zh"]).expect("type row");
        assert_eq!(row[1].as_f64(), t["cases"].as_f64());
    }
    // …and the ranking API's, under the rules version and cut-off the report stored.
    let cutoff =
        jiff::Timestamp::from_millisecond(detail["cutoff_ms"].as_i64().expect("cutoff")).expect("ts").to_string();
    let (_, ranking) =
        o.get(&format!("/api/v1/supervision/ranking?month=2026-02&cutoff={}", cutoff.replace(':', "%3A"))).await;
    assert_eq!(ranking["rules_version"], content["rule_versions"]["排名规则"]);
    let rows = table("派出所排名")["rows"].clone();
    for s in ranking["ranking"].as_array().expect("ranking") {
        let row = rows.as_array().expect("rows").iter().find(|r| r[0] == s["station"]).expect("station row");
        assert_eq!((row[1].as_f64(), row[2].as_f64()), (s["cases"].as_f64(), s["rank_cases"].as_f64()), "{row} vs {s}");
    }
    // Any period, any level: the month, its second half and the year, with each town's rate.
    let (st, m) = o.get("/api/v1/supervision/summary?period=2026-02").await;
    assert_eq!((st, m["cases"].clone()), (StatusCode::OK, stats["cases"].clone()), "{m}");
    let town = |name: &str| {
        m["children"].as_array().expect("children").iter().find(|c| c["name"] == name).cloned().expect("town")
    };
    assert_eq!(
        (town("甲镇")["cases"].as_u64(), town("甲镇")["residents"].as_i64(), town("甲镇")["per_10k"].as_f64()),
        (Some(2), Some(10_000), Some(2.0))
    );
    assert_eq!((town("乙镇")["cases"].as_u64(), town("乙镇")["per_10k"].as_f64()), (Some(1), Some(0.25)));
    assert_eq!(m["residents"], 50_000, "the county without a figure of its own counts its towns");
    assert_eq!(
        o.get("/api/v1/supervision/summary?period=2026-02-2").await.1["cases"],
        2,
        "R2 and R3 fall in the second half"
    );
    let (_, y) = o.get("/api/v1/supervision/summary?period=2026").await;
    assert_eq!((y["cases"].as_u64(), y["year_ago"]["cases"].as_u64()), (Some(4), Some(0)), "{y}");
    assert_eq!(o.get("/api/v1/supervision/summary?period=2026-13").await.0, StatusCode::BAD_REQUEST);
    let b_only = login(app, "officer_b").await;
    assert_eq!(
        b_only
            .get(&format!("/api/v1/supervision/summary?period=2026-02&jurisdiction_id={}", app.county.town_a))
            .await
            .0,
        StatusCode::NOT_FOUND,
        "town A is not officer B's"
    );
    let four =
        stats["four_ups"].as_array().expect("four").iter().find(|f| f["station"] == "甲所").cloned().expect("甲所");
    assert_eq!((four["arrested"].clone(), four["solved"].clone()), (json!([2, 0]), json!([1, 0])), "{four}");
    let ups = table("四上升");
    let row = ups["rows"].as_array().expect("rows").iter().find(|r| r[0] == "甲所").expect("甲所 row");
    assert_eq!(
        (row[1].as_f64(), row[3].as_f64()),
        (Some(2.0), Some(1.0)),
        "arrests and solved cases as in the statistics: {row}"
    );
    let large = table("倒查案件");
    assert_eq!(large["rows"][0][0], "R2", "the 600,000-yuan case is listed for trace-back: {large}");

    // A draft is the writers' only; the station's officer does not see it.
    let b = login(app, "officer_b").await;
    assert_eq!(b.get(&format!("/api/v1/reports/{id}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(b.get("/api/v1/reports").await.1, json!([]));
    let r2 =
        o.c.put(format!("{}/api/v1/reports/{id}/narrative", app.base))
            .header("x-csrf-token", &o.csrf)
            .json(&json!({"narrative": "各派出所要对照排名查找短板。"}))
            .send()
            .await
            .expect("put");
    assert_eq!(r2.status(), StatusCode::OK);
    assert_eq!(
        o.post(&format!("/api/v1/reports/{id}/publish"), json!({})).await.0,
        StatusCode::CONFLICT,
        "a draft is approved before it is published"
    );
    assert_eq!(o.post(&format!("/api/v1/reports/{id}/approve"), json!({})).await.0, StatusCode::OK);
    let (st, pubd) = o.post(&format!("/api/v1/reports/{id}/publish"), json!({})).await;
    assert_eq!((st, pubd["status"].as_str()), (StatusCode::OK, Some("published")), "{pubd}");
    let r3 =
        o.c.put(format!("{}/api/v1/reports/{id}/narrative", app.base))
            .header("x-csrf-token", &o.csrf)
            .json(&json!({"narrative": "改"}))
            .send()
            .await
            .expect("put");
    assert_eq!(r3.status(), StatusCode::CONFLICT, "a published report never changes");
    assert!(
        app.store.execute_raw(&format!("UPDATE reports SET snapshot = '{{}}' WHERE id = {id}")).await.is_err(),
        "the database refuses too"
    );
    assert!(app.store.execute_raw(&format!("DELETE FROM reports WHERE id = {id}")).await.is_err());

    // Published, the county bulletin reaches the station's officer, who downloads it.
    let dl = |s: &Session, fmt: &str| {
        let url = format!("{}/api/v1/reports/{id}/download?format={fmt}", app.base);
        let c = s.c.clone();
        async move {
            let r = c.get(url).send().await.expect("get");
            (r.status(), r.bytes().await.expect("bytes").to_vec())
        }
    };
    let (st, xlsx) = dl(&b, "xlsx").await;
    assert_eq!(st, StatusCode::OK);
    let before = workbook(xlsx);
    let ranking_sheet = &before["派出所排名"];
    assert_eq!(ranking_sheet[2][1], calamine::Data::String("发案数(起)".into()));
    assert!(matches!(ranking_sheet[3][1], calamine::Data::Float(_)), "numbers are numbers: {:?}", ranking_sheet[3][1]);
    let (st, pdf) = dl(&b, "pdf").await;
    assert_eq!(st, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF-"));
    let (_, log) = admin.get(&format!("/api/v1/audit?object_type=report&object_id={id}&action=export")).await;
    assert_eq!(log["total"], 2, "each download is audited: {log}");

    // New data does not change the published report…
    let (st, _) = admin.post("/api/v1/cases", json!({"case_no": "R5", "reported_at": "2026-02-22T09:00:00+08:00", "station": "乙所", "fraud_type": "刷单返利", "loss_yuan": "900"})).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(workbook(dl(&b, "xlsx").await.1), before, "the published workbook is the same after new data");
    assert_eq!(o.get(&format!("/api/v1/reports/{id}")).await.1["content"], content);
    // …a correction is a new version linked to it, with the new data.
    let (st, corr) = o.post(&format!("/api/v1/reports/{id}/correct"), json!({})).await;
    assert_eq!(st, StatusCode::OK, "{corr}");
    assert_eq!(
        (corr["version"].as_i64(), corr["corrects_id"].as_i64(), corr["status"].as_str()),
        (Some(2), Some(id), Some("draft"))
    );
    let (_, c2) = o.get(&format!("/api/v1/reports/{}", corr["id"])).await;
    assert_eq!(c2["narrative"], "各派出所要对照排名查找短板。", "the correction starts from the narrative");
    assert!(
        c2["content"]["summary"][0].as_str().expect("summary").contains("本月发案4起"),
        "{}",
        c2["content"]["summary"]
    );
    let (_, orig) = o.get(&format!("/api/v1/reports/{id}")).await;
    assert_eq!(orig["corrected_by"], corr["id"]);

    // A town's report does not reach the other town.
    let (st, town) = o
        .post("/api/v1/reports", json!({"kind": "briefing", "period": "2026-02", "jurisdiction_id": app.county.town_a}))
        .await;
    assert_eq!(st, StatusCode::OK, "{town}");
    let tid = town["id"].as_i64().expect("id");
    o.post(&format!("/api/v1/reports/{tid}/approve"), json!({})).await;
    o.post(&format!("/api/v1/reports/{tid}/publish"), json!({})).await;
    let a = login(app, "officer_a").await;
    assert_eq!(dl(&a, "pdf").await.0, StatusCode::OK, "the county bulletin reaches town A");
    let url = format!("{}/api/v1/reports/{tid}/download?format=xlsx", app.base);
    assert_eq!(a.c.get(&url).send().await.expect("get").status(), StatusCode::OK, "town A's own briefing");
    assert_eq!(
        b.c.get(&url).send().await.expect("get").status(),
        StatusCode::NOT_FOUND,
        "town B cannot download town A's briefing"
    );
    let listed: Vec<i64> = b
        .get("/api/v1/reports")
        .await
        .1
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(listed, vec![id], "officer B sees the county bulletin only");

    // A station's bulletin counts its precinct, as its officers' statistics do, and reaches them.
    let psb = app.store.list_stations().await.expect("stations").into_iter().find(|s| s.code == "PSB").expect("PSB").id;
    let (st, sr) = o.post("/api/v1/reports", json!({"kind": "bulletin", "period": "2026-02", "station_id": psb})).await;
    assert_eq!(st, StatusCode::OK, "{sr}");
    let sid = sr["id"].as_i64().expect("id");
    assert_eq!(sr["scope_name"], "乙所");
    let (_, sd) = o.get(&format!("/api/v1/reports/{sid}")).await;
    let (_, b_stats) = b.get("/api/v1/supervision/stats?month=2026-02").await;
    let b_types = sd["content"]["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s["blocks"].as_array().expect("blocks").clone())
        .find(|x| x["sheet"] == "案件类型")
        .expect("types");
    assert_eq!(
        b_types["total"][1].as_f64(),
        b_stats["cases"].as_f64(),
        "the station's report equals its officers' statistics"
    );
    o.post(&format!("/api/v1/reports/{sid}/approve"), json!({})).await;
    o.post(&format!("/api/v1/reports/{sid}/publish"), json!({})).await;
    let surl = format!("{}/api/v1/reports/{sid}/download?format=pdf", app.base);
    assert_eq!(
        b.c.get(&surl).send().await.expect("get").status(),
        StatusCode::OK,
        "station B's officer gets station B's bulletin"
    );
    assert_eq!(
        a.c.get(&surl).send().await.expect("get").status(),
        StatusCode::NOT_FOUND,
        "station A's officer does not"
    );
}
both!(reports, reports_snapshot_scope_and_agreement);

async fn upstream_warnings_are_idempotent_and_routed(app: &App) {
    let admin = login(app, "admin").await;
    let a = login(app, "officer_a").await;
    let b = login(app, "officer_b").await;
    let rows = json!([
        {"upstream_id": "N1", "source": "national", "grade": "high", "subject_kind": "phone", "subject": "13912340001", "fraud_type": "刷单返利", "amount_yuan": "5000"},
        {"upstream_id": "N2", "source": "96110", "grade": "中", "subject_kind": "account", "subject": "6222 0000 1111 2222"},
        {"upstream_id": "N3", "source": "national", "grade": "urgent", "subject_kind": "phone", "subject": "13912340001"},
        {"upstream_id": "N1", "source": "国家反诈平台", "grade": "high", "subject_kind": "phone", "subject": "13912340001"},
    ]);
    assert_eq!(
        a.post("/api/v1/warnings/upstream", rows.clone()).await.0,
        StatusCode::FORBIDDEN,
        "a station officer does not push upstream warnings"
    );
    let (st, r) = admin.post("/api/v1/warnings/upstream", rows.clone()).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!((r["accepted"].as_u64(), r["routed"].as_u64()), (Some(3), Some(2)), "{r}");
    assert_eq!(r["ids"][0], r["ids"][2], "the same upstream id is the same warning");
    assert_eq!(
        r["rejected"],
        json!([{"row": 3, "field": "grade", "message": "'urgent' is not high, medium or low", "message_zh": "「预警等级」不是可选的值"}])
    );
    let total = admin.get("/api/v1/warnings").await.1["total"].clone();
    let (_, again) = admin.post("/api/v1/warnings/upstream", rows).await;
    assert_eq!(again["ids"], r["ids"], "pushed twice, stored once");
    assert_eq!(admin.get("/api/v1/warnings").await.1["total"], total);
    // Routed by the resident's phone to station A's precinct, masked; station B does not see it.
    let (_, mine) = a.get("/api/v1/warnings").await;
    let w = mine["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|w| w["id"] == r["ids"][0])
        .cloned()
        .expect("officer A has it");
    assert_eq!(
        (w["subject"].as_str(), w["grade"].as_str(), w["source"].as_str(), w["fraud_type_hint"].as_str()),
        (Some("139****0001"), Some("high"), Some("national"), Some("刷单返利")),
        "{w}: masked, and the type by its name, not its taxonomy id"
    );
    assert!(
        !b.get("/api/v1/warnings").await.1["items"].as_array().expect("items").iter().any(|x| x["id"] == r["ids"][0])
    );
    // A hand-over list (CSV, Chinese headers) naming a resident of town B by identity number.
    let id_b = domain::IdNumber::with_check("11010519700101002").expect("id").as_str().to_string();
    let csv = format!(
        "预警编号,预警来源,风险等级,对象类型,预警对象\nP-7,provincial,low,id_number,{id_b}\nP-8,provincial,low,id_number,110105197001010020\n"
    );
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("warnings.csv"));
    let rep: Value = admin
        .c
        .post(format!("{}/api/v1/warnings/upstream/import", app.base))
        .header("x-csrf-token", &admin.csrf)
        .multipart(form)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!((rep["accepted"].as_u64(), rep["routed"].as_u64()), (Some(1), Some(1)), "{rep}");
    assert_eq!(rep["rejected"][0]["row"], 3, "a bad identity number is named by its row: {rep}");
    let (_, bs) = b.get("/api/v1/warnings").await;
    let wb = bs["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|x| x["id"] == rep["ids"][0])
        .cloned()
        .expect("officer B has it");
    assert!(
        wb["subject"].as_str().is_some_and(|s| s.contains('*') && !s.contains(&id_b[3..14])),
        "the identity number is masked: {wb}"
    );

    // Officer A handles the national warning: the dissuasion checklist at the visit, evidence.
    let wid = r["ids"][0].as_i64().expect("id");
    let steps = format!("/api/v1/warnings/{wid}/steps");
    assert_eq!(
        a.post(&steps, json!({"step": "sign_for", "checklist": ["pledge"]})).await.0,
        StatusCode::BAD_REQUEST,
        "the checklist belongs to the visit"
    );
    assert_eq!(a.post(&steps, json!({"step": "sign_for"})).await.0, StatusCode::OK);
    assert_eq!(a.post(&steps, json!({"step": "contact", "channel": "phone"})).await.0, StatusCode::OK);
    assert_eq!(a.post(&steps, json!({"step": "visit", "checklist": ["hugged"]})).await.0, StatusCode::BAD_REQUEST);
    let (st, v) =
        a.post(&steps, json!({"step": "visit", "checklist": ["pledge", "told_method", "app_installed"]})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (_, taken) = a.get(&steps).await;
    assert_eq!(taken[2]["checklist"], "told_method,app_installed,pledge", "{taken}");
    let upload = |s: &Session, bytes: Vec<u8>| {
        let url = format!("{}/api/v1/warnings/{wid}/evidence", app.base);
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name("photo.jpg"))
            .text("note", "当面劝阻现场");
        let req = s.c.post(url).header("x-csrf-token", &s.csrf).multipart(form);
        async move {
            let r = req.send().await.expect("send");
            let st = r.status();
            (st, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let photo: Vec<u8> = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[7u8; 2048][..]].concat();
    let (st, e) = upload(&a, photo.clone()).await;
    assert_eq!(
        (st, e["kind"].as_str(), e["mime"].as_str()),
        (StatusCode::OK, Some("photo"), Some("image/jpeg")),
        "{e}"
    );
    assert_eq!(
        upload(&a, b"<html><script>alert(1)</script></html>".to_vec()).await.0,
        StatusCode::BAD_REQUEST,
        "a page named .jpg is refused"
    );
    let big: Vec<u8> = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &vec![0u8; 10 * 1024 * 1024][..]].concat();
    assert_eq!(upload(&a, big).await.0, StatusCode::BAD_REQUEST, "over 10 MiB is refused");
    assert_eq!(upload(&b, photo.clone()).await.0, StatusCode::NOT_FOUND, "not station B's warning");
    assert_eq!(b.get(&format!("/api/v1/warnings/{wid}/evidence")).await.0, StatusCode::NOT_FOUND);
    let got = a.c.get(format!("{}/api/v1/warnings/{wid}/evidence/{}", app.base, e["id"])).send().await.expect("get");
    assert_eq!(got.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/jpeg"));
    assert_eq!(got.bytes().await.expect("bytes").to_vec(), photo, "the file comes back as it went in");
    let (_, log) =
        admin.get(&format!("/api/v1/audit?object_type=warning_evidence&object_id={}&action=read_pii", e["id"])).await;
    assert_eq!(log["total"], 1, "the download is audited");
}
both!(upstream, upstream_warnings_are_idempotent_and_routed);

#[tokio::test]
async fn routing_rules_send_warnings_where_configured() {
    let routing: domain::dispatch::Routing = toml::from_str(
        "version = \"2026.11-test\"\n\
         [[rules]]\nsources = [\"bank\"]\nto = \"centre\"\n\
         [[rules]]\nsources = [\"city\"]\ngrades = [\"high\"]\nto = { station = \"PSB\" }\n",
    )
    .expect("routing toml");
    let app = start_with(false, server::ServerConfig { cookie_secure: false, routing, ..Default::default() })
        .await
        .expect("app");
    let admin = login(&app, "admin").await;
    let a = login(&app, "officer_a").await;
    let b = login(&app, "officer_b").await;
    assert_eq!(a.get("/api/v1/warnings/routing").await.1["version"], "2026.11-test");
    // All three name resident A (a phone in town A).
    let rows = json!([
        {"upstream_id": "K1", "source": "bank", "grade": "high", "subject_kind": "phone", "subject": "13912340001"},
        {"upstream_id": "C1", "source": "city", "grade": "high", "subject_kind": "phone", "subject": "13912340001"},
        {"upstream_id": "C2", "source": "city", "grade": "low", "subject_kind": "phone", "subject": "13912340001"},
    ]);
    let (st, r) = admin.post("/api/v1/warnings/upstream", rows).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let ids = |v: Value| {
        v["items"].as_array().expect("items").iter().map(|w| w["id"].as_i64().expect("id")).collect::<Vec<_>>()
    };
    let (bank, city_high, city_low) =
        (r["ids"][0].as_i64().expect("id"), r["ids"][1].as_i64().expect("id"), r["ids"][2].as_i64().expect("id"));
    let seen_a = ids(a.get("/api/v1/warnings").await.1);
    let seen_b = ids(b.get("/api/v1/warnings").await.1);
    assert!(!seen_a.contains(&bank) && !seen_b.contains(&bank), "the bank's warning waits in the centre's queue");
    assert!(ids(admin.get("/api/v1/warnings").await.1).contains(&bank));
    assert!(
        seen_b.contains(&city_high) && !seen_a.contains(&city_high),
        "the city's high-risk warnings go to station B by rule"
    );
    assert!(seen_a.contains(&city_low), "no rule holds: the residence decides");
}

/// History imported through the stream path (the demo's weeks, a predecessor platform's
/// records) raises its warnings at each event's own time: their deadlines ran out back then, so
/// an unhandled old warning shows as long overdue, and a handling step keeps its own time.
async fn history_is_raised_at_its_time(pg: bool) {
    let Some((store, _dir)) = open_store(pg).await else {
        return; // testkit said why (a failure under CI)
    };
    let _county = seed(&store).await;
    let state = server::AppState::new(store.clone(), server::ServerConfig::default());
    let day = 86_400_000;
    let then = store::now_ms() - 3 * day;
    let events = vec![
        engine::event::Event::List(engine::event::ListUpdate::add(
            "H-L1".into(),
            then - day,
            engine::event::ListKind::Account,
            "6217000011112222".into(),
            engine::event::Colour::Red,
            "case".into(),
        )),
        engine::event::Event::Transfer(engine::event::Transfer {
            event_id: "H-T1".into(),
            ts_ms: then,
            payer: "6222000000001111".into(),
            payer_bank: String::new(),
            payee: "6217000011112222".into(),
            payee_bank: String::new(),
            amount_fen: 5_000_000,
            channel: engine::event::Channel::Mobile,
            payer_person: None,
            device_id: None,
            ip: None,
        }),
    ];
    let stats = server::stream::ingest(&state, events, Vec::new(), "history", server::stream::Raised::AtEvent).await;
    assert_eq!((stats.applied, stats.warnings), (2, 1));
    let page =
        store.list_warnings(&domain::Scope::All, true, PageReq { page: 1, per_page: 10 }).await.expect("warnings");
    let w = &page.items[0];
    assert_eq!((w.event_id.as_str(), w.created_at, w.event_ts), ("H-T1", then, then));
    let policy = domain::dispatch::Policy::default();
    let due = policy.due(&w.grade, domain::dispatch::State::Received, w.created_at, store::now_ms());
    assert_eq!(due.by_ms, Some(then + policy.of(&w.grade).sign_min * 60_000));
    assert_eq!(due.escalation, domain::dispatch::Escalation::Centre, "three days unsigned");
    let signed = then + 5 * 60_000;
    store
        .warning_step(
            &domain::Scope::All,
            w.id,
            "received",
            "signed_for",
            "sign_for",
            signed,
            "history",
            "",
            "",
            "",
            "",
            None,
        )
        .await
        .expect("step");
    let steps = store.warning_steps(&domain::Scope::All, w.id).await.expect("steps");
    assert_eq!(steps[0].at_ms, signed);
}

#[tokio::test]
async fn history_is_raised_at_its_time_sqlite() {
    history_is_raised_at_its_time(false).await;
}

#[tokio::test]
async fn history_is_raised_at_its_time_postgres() {
    history_is_raised_at_its_time(true).await;
}

both!(prevention_units_see_only_their_own, prevention_units_see_only_their_own_body);
async fn prevention_units_see_only_their_own_body(app: &App) {
    prevention::units_see_only_their_own_submissions(app).await;
}
both!(prevention_rates_population_and_period, prevention_rates_body);
async fn prevention_rates_body(app: &App) {
    prevention::rates_use_the_population_of_the_area_and_period(app).await;
}
both!(key_person_appeals_and_inbox, key_person_body);
async fn key_person_body(app: &App) {
    prevention::appeals_lift_measures_and_files_stay_masked(app).await;
}
both!(tasks_and_dual_inquiry, tasks_body);
async fn tasks_body(app: &App) {
    prevention::tasks_close_once_and_dual_inquiry_traces_the_unit(app).await;
}

/// A gateway that is down loses nothing: the notification waits in the outbox, retried with
/// back-off, and is delivered once (with its idempotency key) when the gateway comes back.
async fn notifications_survive_a_dead_gateway(pg: bool) {
    // A port with nobody listening yet.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let notify = server::notify::NotifyConfig {
        webhooks: vec![server::notify::Webhook {
            name: "sms".into(),
            url: format!("http://127.0.0.1:{port}/hook"),
            grades: vec![],
        }],
        poll_ms: 100,
        retry_base_ms: 100,
        timeout_ms: 1_000,
    };
    let Some(app) = start_with(pg, server::ServerConfig { cookie_secure: false, notify, ..Default::default() }).await
    else {
        return; // testkit said why (a failure under CI)
    };
    let admin = login(&app, "admin").await;
    let a = login(&app, "officer_a").await;
    let b = login(&app, "officer_b").await;
    let (st, r) = admin.post("/api/v1/warnings/upstream", json!([{"upstream_id": "NT-1", "source": "national", "grade": "high", "subject_kind": "phone", "subject": "13912340001"}])).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    // In-app at once, for station A (where the person lives), masked; not for station B.
    let (_, mine) = a.get("/api/v1/notifications").await;
    assert_eq!(mine[0]["warning_id"], r["ids"][0], "{mine}");
    assert!(
        mine[0]["title"].as_str().is_some_and(|t| t.contains("139****0001") && !t.contains("13912340001")),
        "{mine}"
    );
    assert_eq!(b.get("/api/v1/notifications").await.1.as_array().map(Vec::len), Some(0));
    // The webhook fails while the gateway is down, and stays pending.
    let mut pending = Value::Null;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        pending = admin.get("/api/v1/notifications/outbox").await.1;
        if pending["items"][0]["attempts"].as_i64().unwrap_or(0) >= 2 {
            break;
        }
    }
    let item = &pending["items"][0];
    assert_eq!(item["status"].as_str(), Some("pending"), "{pending}");
    assert!(
        item["attempts"].as_i64().unwrap_or(0) >= 2 && !item["last_error"].as_str().unwrap_or_default().is_empty(),
        "{pending}"
    );
    let key = item["idempotency_key"].as_str().expect("key").to_string();
    // The gateway comes back: the notification arrives once.
    let got: std::sync::Arc<std::sync::Mutex<Vec<(String, Value)>>> = Default::default();
    let sink = got.clone();
    let gateway = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::Json<Value>| {
            let sink = sink.clone();
            async move {
                let k = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                sink.lock().expect("lock").push((k, body.0));
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("gateway port");
    tokio::spawn(async move { axum::serve(listener, gateway).await });
    assert_eq!(
        admin.post(&format!("/api/v1/notifications/outbox/{}/retry", item["id"]), json!({})).await.0,
        StatusCode::NO_CONTENT
    );
    let mut delivered = Value::Null;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        delivered = admin.get("/api/v1/notifications/outbox").await.1;
        if delivered["items"][0]["status"].as_str() == Some("delivered") {
            break;
        }
    }
    assert_eq!(delivered["items"][0]["status"].as_str(), Some("delivered"), "{delivered}");
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let seen = got.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1, "delivered once: {seen:?}");
    assert_eq!(seen[0].0, key);
    assert_eq!(seen[0].1["body"]["subject"].as_str(), Some("139****0001"), "masked on the wire too");
    // Pushing the same upstream warning again notifies nobody twice.
    admin.post("/api/v1/warnings/upstream", json!([{"upstream_id": "NT-1", "source": "national", "grade": "high", "subject_kind": "phone", "subject": "13912340001"}])).await;
    assert_eq!(admin.get("/api/v1/notifications/outbox").await.1["total"].as_i64(), Some(1));
}

#[tokio::test]
async fn notifications_survive_a_dead_gateway_sqlite() {
    notifications_survive_a_dead_gateway(false).await;
}

#[tokio::test]
async fn notifications_survive_a_dead_gateway_postgres() {
    notifications_survive_a_dead_gateway(true).await;
}

both!(returns_of_money, returns_need_city_approval_and_the_notice);
async fn returns_need_city_approval_and_the_notice(app: &App) {
    let admin = login(app, "admin").await;
    let (_, bank) = admin.post("/api/v1/units", json!({"code": "RCB2", "name": "农商银行乙支行", "kind": "bank_branch", "jurisdiction_id": app.county.town_a})).await;
    let bank_id = bank["id"].as_i64().expect("id");
    admin.post("/api/v1/users", json!({"username": "liaison2", "display_name": "联络员", "password": PW, "role": "bank_liaison", "unit_id": bank_id, "jurisdiction_id": app.county.town_a})).await;
    let ret = |level: &str, approved_on: &str| {
        json!({"kind": "return", "account": "6222 0011 2233 9999", "bank_unit_id": bank_id, "amount_yuan": "12000",
        "return_method": "pro_rata", "approval_authority": "某市公安局", "approval_level": level, "approval_ref": "某公(刑)返字〔2026〕12号", "approved_on": approved_on})
    };
    let (st, e) = admin.post("/api/v1/bank-requests", ret("county", "2026-08-31")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert!(e["message"].as_str().unwrap_or_default().starts_with("approval_level"), "{e}");
    // Approved 31 August: the notice runs to 30 September; the National Day holiday (1–7
    // October) does not count and 10 October (a Saturday) is a make-up working day.
    let (st, r) = admin.post("/api/v1/bank-requests", ret("city", "2026-08-31")).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!((r["notice_ends_on"].as_str(), r["due_on"].as_str()), (Some("2026-09-30"), Some("2026-10-10")), "{r}");
    // Approved today: the bank cannot pay before the notice has run, and is told until when.
    let today = domain::time::china_date(store::now_ms()).expect("today").to_string();
    let (_, fresh) = admin.post("/api/v1/bank-requests", ret("province", &today)).await;
    let l = first_login(app, "liaison2").await;
    let (st, e) = l.post(&format!("/api/v1/bank-requests/{}/answer", fresh["id"]), json!({"executed": true})).await;
    assert_eq!(st, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap_or_default().contains(fresh["notice_ends_on"].as_str().expect("ends")), "{e}");
    // The old one's notice has run: the bank pays.
    let (st, done) = l.post(&format!("/api/v1/bank-requests/{}/answer", r["id"]), json!({"executed": true})).await;
    assert_eq!((st, done["status"].as_str()), (StatusCode::OK, Some("executed")), "{done}");
}

use attacks::{
    browser_headers_and_no_markup_in_names, ids_are_the_callers_and_search_is_unmasking,
    input_is_bounded_before_it_is_parsed, login_is_throttled_and_locked, one_office_typos_are_not_a_spray,
};
both!(attack_input_bounds, input_is_bounded_before_it_is_parsed);
both!(attack_login_throttle, login_is_throttled_and_locked);
both!(attack_browser, browser_headers_and_no_markup_in_names);
both!(attack_ids_and_search, ids_are_the_callers_and_search_is_unmasking);
both!(attack_office_typos, one_office_typos_are_not_a_spray);

/// Two schemas of one name become one in the OpenAPI document (the later replaces the earlier),
/// so one of the two operations is documented with the other's body: every name is unique.
#[test]
fn openapi_schema_names_are_unique() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut seen = std::collections::BTreeMap::<String, String>::new();
    let mut clashes = Vec::new();
    let mut stack: Vec<std::path::PathBuf> =
        ["server/src", "store/src", "domain/src"].iter().map(|d| root.join(d)).collect();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).expect("dir").map(|e| e.expect("entry").path()));
            continue;
        }
        if p.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&p).expect("source");
        let mut derive = false;
        for line in text.lines().map(str::trim) {
            if line.starts_with("#[derive(") && line.contains("ToSchema") {
                derive = true;
            } else if derive
                && let Some(rest) = line.split_once("struct ").or_else(|| line.split_once("enum ")).map(|x| x.1)
            {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                let at = format!("{}", p.display());
                if let Some(first) = seen.insert(name.clone(), at.clone()) {
                    clashes.push(format!("{name}: {first} and {at}"));
                }
                derive = false;
            } else if !line.starts_with("#[") && !line.starts_with("///") {
                derive = false;
            }
        }
    }
    assert!(seen.len() > 50, "found the schemas ({})", seen.len());
    assert!(clashes.is_empty(), "schema names used twice:\n{}", clashes.join("\n"));
}

/// Issue 30: served behind TLS (Secure cookies), every answer tells the browser to keep to
/// HTTPS; the plain-HTTP answers of the other tests carry no such header.
#[tokio::test]
async fn hsts_when_served_behind_tls() {
    let app = start_with(false, server::ServerConfig::default()).await.expect("app");
    for path in ["/", "/api/v1/auth/me", "/healthz"] {
        let r = Client::new().get(format!("{}{path}", app.base)).send().await.expect("answer");
        let hsts = r.headers().get("strict-transport-security").and_then(|v| v.to_str().ok()).map(str::to_string);
        assert_eq!(hsts.as_deref(), Some("max-age=31536000"), "{path}");
    }
}
