//! The attacks of the hardening issues, re-run over HTTP on both databases: each answered with
//! a clear error and none stops the service. Run on both databases by `both!` in main.rs.

use super::*;

fn audit_of(action: &str) -> AuditFilter {
    AuditFilter { action: Some(action.into()), ..Default::default() }
}

async fn alive(app: &App) {
    let r = Client::new().get(format!("{}/healthz", app.base)).send().await.expect("the server still answers");
    assert_eq!(r.status(), StatusCode::OK);
}

async fn upload(s: &Session, path: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, Value, usize) {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    let r =
        s.c.post(format!("{}{path}", s.base))
            .header("x-csrf-token", &s.csrf)
            .multipart(form)
            .send()
            .await
            .expect("upload");
    let st = r.status();
    let body = r.bytes().await.expect("body");
    (st, serde_json::from_slice(&body).unwrap_or(Value::Null), body.len())
}

/// Issue 29: a workbook claiming the whole sheet, a flood of bad rows, oversized login fields
/// and bodies, a month in year 1.
pub(crate) async fn input_is_bounded_before_it_is_parsed(app: &App) {
    let office = login(app, "office").await;
    let admin = login(app, "admin").await;
    // Two cells, A1 and XFD1048576: a 16,384 × 1,048,576 range if read as a range.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "name").expect("a1");
    ws.write_string(1_048_575, 16_383, "x").expect("xfd");
    let bomb = wb.save_to_buffer().expect("xlsx");
    assert!(bomb.len() < 10_000, "a small file ({} bytes)", bomb.len());
    let (st, e, _) = upload(&admin, "/api/v1/residents/import", "bomb.xlsx", bomb.clone()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert!(e["message"].as_str().is_some_and(|m| m.starts_with("file:") && m.contains("column 16384")), "{e}");
    let (st, e, _) = upload(&admin, "/api/v1/warnings/upstream/import", "bomb.xlsx", bomb).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    alive(app).await;

    // 100,000 rows that each fail: the answer lists the first few hundred and counts the rest,
    // and is smaller than the upload.
    let mut csv = String::from("name,id_number,jurisdiction_code\n");
    for i in 0..100_000 {
        csv.push_str(&format!("x{i},1,VA\n"));
    }
    let sent = csv.len();
    let (st, rep, len) = upload(&admin, "/api/v1/residents/import", "bad.csv", csv.into_bytes()).await;
    assert_eq!(st, StatusCode::OK, "{rep}");
    assert_eq!((rep["accepted"].as_u64(), rep["rejected_total"].as_u64()), (Some(0), Some(100_000)));
    assert_eq!(rep["rejected"].as_array().map(Vec::len), Some(server::import::REPORT_MAX_ERRORS));
    assert_eq!(
        (rep["rejected"][0]["row"].as_u64(), rep["rejected"][0]["field"].as_str()),
        (Some(2), Some("id_number"))
    );
    assert!(len < sent / 10, "the report ({len} bytes) is far smaller than the upload ({sent} bytes)");

    // A long user name is refused before it is looked up or written to the audit log.
    let c = Client::new();
    let long = "a".repeat(10_000);
    let r = c
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"username": long, "password": "x"}))
        .send()
        .await
        .expect("login");
    let st = r.status();
    let e: Value = r.json().await.expect("json");
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert!(e["message"].as_str().is_some_and(|m| m.starts_with("username")), "{e}");
    let logged =
        app.store.list_audit(&AuditFilter::default(), PageReq { page: 1, per_page: 200 }).await.expect("audit");
    assert!(logged.items.iter().all(|a| a.content.actor_name.len() < 200), "no audit entry holds the long name");
    // A 3 MiB body to a form is refused by its declared length, naming the limit.
    let body = format!(r#"{{"username": "admin", "password": "{}"}}"#, "x".repeat(3 * 1024 * 1024));
    let r = c
        .post(format!("{}/api/v1/auth/login", app.base))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("send");
    let st = r.status();
    let e: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{e}");
    assert!(e["message"].as_str().is_some_and(|m| m.contains(&server::guard::JSON_MAX_BYTES.to_string())), "{e}");

    // Dates far outside the platform's years answer 400, not a dropped connection.
    for q in ["month=0001-01", "month=9999-12", "month=2026-13"] {
        let (st, e) = office.get(&format!("/api/v1/supervision/stats?{q}")).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{q}: {e}");
    }
    alive(app).await;
}

/// Issue 30: thirty wrong passwords in a row are slowed, then locked; the right password does
/// not get through a lock; the lock is audited once.
pub(crate) async fn login_is_throttled_and_locked(app: &App) {
    let c = Client::new();
    let attempt = |pw: &'static str| {
        let c = c.clone();
        let base = app.base.clone();
        async move {
            let r = c
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"username": "officer_a", "password": pw}))
                .send()
                .await
                .expect("login");
            (r.status(), r.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string))
        }
    };
    let mut codes = Vec::new();
    for _ in 0..30 {
        codes.push(attempt("wrong").await);
    }
    assert!(codes[..3].iter().all(|(st, _)| *st == StatusCode::UNAUTHORIZED), "the first three are judged: {codes:?}");
    let refused: Vec<_> =
        codes.iter().filter(|(st, _)| *st == StatusCode::TOO_MANY_REQUESTS || *st == StatusCode::LOCKED).collect();
    assert!(refused.len() >= 20, "most of thirty quick attempts are refused unjudged: {codes:?}");
    assert!(
        refused.iter().all(|(_, wait)| wait.as_deref().and_then(|w| w.parse::<u64>().ok()).is_some_and(|w| w >= 1)),
        "{codes:?}"
    );
    // The right password straight after is not let through.
    let (st, wait) = attempt(PW).await;
    assert!(st == StatusCode::TOO_MANY_REQUESTS || st == StatusCode::LOCKED, "{st} {wait:?}");
    let judged = codes.iter().filter(|(st, _)| *st == StatusCode::UNAUTHORIZED).count();
    let failed =
        app.store.list_audit(&audit_of("login_failed"), PageReq { page: 1, per_page: 100 }).await.expect("audit");
    assert_eq!(failed.total as usize, judged, "one entry per judged attempt, none per refused one");

    // An administrator sees the account held back and lifts it (audited); the right password
    // then gets through at once. Nobody else sees the list.
    let admin = super::login(app, "admin").await;
    let (st, locks) = admin.get("/api/v1/auth/locks").await;
    assert_eq!(st, StatusCode::OK, "{locks}");
    let held = locks.as_array().and_then(|a| a.iter().find(|l| l["throttle_key"] == "user:officer_a")).cloned();
    let held = held.unwrap_or_else(|| panic!("officer_a is held back: {locks}"));
    assert_eq!((held["kind"].as_str(), held["name"].as_str()), (Some("account"), Some("officer_a")), "{held}");
    assert!(held["failures"].as_i64().is_some_and(|n| n as usize == judged), "{held}");
    assert!(["locked", "slowed"].contains(&held["state"].as_str().unwrap_or_default()), "held back now: {held}");
    assert_eq!(super::login(app, "officer_b").await.get("/api/v1/auth/locks").await.0, StatusCode::FORBIDDEN);
    let lift = json!({"throttle_key": "user:officer_a"});
    assert_eq!(admin.post("/api/v1/auth/locks/lift", lift.clone()).await.0, StatusCode::NO_CONTENT);
    assert_eq!(admin.post("/api/v1/auth/locks/lift", lift).await.0, StatusCode::NOT_FOUND, "a lifted lock is gone");
    let (st, wait) = attempt(PW).await;
    assert_eq!(st, StatusCode::OK, "after the lift: {wait:?}");
    let lifted = app.store.list_audit(&audit_of("unlock"), PageReq { page: 1, per_page: 10 }).await.expect("audit");
    assert_eq!(
        lifted.items.iter().map(|e| e.content.object_id.clone()).collect::<Vec<_>>(),
        vec![Some("user:officer_a".to_string())]
    );
}

/// Issue 30: the browser's headers on the page and the API; markup refused in a name.
pub(crate) async fn browser_headers_and_no_markup_in_names(app: &App) {
    let r = Client::new().get(format!("{}/", app.base)).send().await.expect("page");
    let h = |n: &str| r.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let csp = h("content-security-policy");
    let script = csp.split(';').map(str::trim).find(|d| d.starts_with("script-src")).unwrap_or_default().to_string();
    assert!(!script.is_empty() && !script.contains("'unsafe-inline'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert!(!h("referrer-policy").is_empty());
    assert_eq!(h("strict-transport-security"), "", "plain HTTP on this machine (cookies not Secure): no HSTS");
    let admin = login(app, "admin").await;
    let (st, e) = admin
        .patch(
            &format!("/api/v1/jurisdictions/{}", app.county.village_a),
            json!({"name": "<img src=x onerror=alert(1)>"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert!(e["message"].as_str().is_some_and(|m| m.starts_with("name")), "{e}");
    let (_, v) = admin.get(&format!("/api/v1/jurisdictions/{}", app.county.village_a)).await;
    assert!(!v.to_string().contains("<img"), "{v}");
}
