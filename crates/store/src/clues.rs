//! Clues from the public and their review.

use pii::Field;
use serde::Serialize;

use crate::{Page, PageReq, Result, Store, StoreError, now_ms, on_pool};

/// A clue as the analysts see it (value masked unless a URL or message).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClueView {
    /// Id.
    pub id: i64,
    /// Reference number given to the reporter.
    pub ref_no: String,
    /// phone, url, account, message.
    pub kind: String,
    /// What was reported.
    pub value: String,
    /// The reporter's words.
    pub description: String,
    /// Submitted (ms).
    pub submitted_at: i64,
    /// new, confirmed, rejected.
    pub status: String,
    /// Reviewer.
    pub reviewed_by: String,
    /// Reward, fen.
    pub reward_fen: i64,
    /// Review note.
    pub review_note: String,
    /// A screenshot came with it.
    pub has_screenshot: bool,
}

struct Row {
    id: i64,
    ref_no: String,
    kind: String,
    value_enc: Vec<u8>,
    description: String,
    submitted_at: i64,
    status: String,
    reviewed_by: String,
    reward_fen: i64,
    review_note: String,
    screenshot_mime: String,
}
crate::rows::from_row!(Row {
    id,
    ref_no,
    kind,
    value_enc,
    description,
    submitted_at,
    status,
    reviewed_by,
    reward_fen,
    review_note,
    screenshot_mime
});

const COLS: &str = "id, ref_no, kind, value_enc, description, submitted_at, status, reviewed_by, reward_fen, review_note, screenshot_mime";

impl Store {
    /// The view (masked) and the value in clear.
    fn clue_view(&self, r: Row) -> Result<(ClueView, String)> {
        let clear = self.vault().decrypt(Field::Event, &r.value_enc)?;
        let value = if matches!(r.kind.as_str(), "url" | "message") {
            clear.clone()
        } else {
            domain::person::mask_keep(&clear, 3, 4)
        };
        let view = ClueView {
            id: r.id,
            ref_no: r.ref_no,
            kind: r.kind,
            value,
            description: r.description,
            submitted_at: r.submitted_at,
            status: r.status,
            reviewed_by: r.reviewed_by,
            reward_fen: r.reward_fen,
            review_note: r.review_note,
            has_screenshot: !r.screenshot_mime.is_empty(),
        };
        Ok((view, clear))
    }

    /// Stores a clue and gives its reference number.
    pub async fn add_clue(
        &self,
        kind: &str,
        value: &str,
        description: &str,
        contact: Option<&str>,
        screenshot: Option<(&str, &[u8])>,
    ) -> Result<String> {
        let v = self.vault();
        let now = now_ms();
        let day = domain::time::china_date(now).map(|d| d.strftime("%Y%m%d").to_string()).unwrap_or_default();
        let contact_enc = contact.map(|c| v.encrypt(Field::Phone, c)).transpose()?;
        // The reference carries the day and a random part, so numbers cannot be guessed in turn.
        let mut buf = [0u8; 4];
        getrandom::fill(&mut buf)
            .map_err(|e| StoreError::Invalid(domain::InvalidValue::new("ref_no", format!("no randomness: {e}"))))?;
        let ref_no = format!("JB{day}-{:08X}", u32::from_le_bytes(buf));
        let shot_enc = screenshot.map(|(_, b)| v.encrypt_bytes(Field::Evidence, b)).transpose()?;
        let shot_mime = screenshot.map(|(m, _)| m).unwrap_or("");
        on_pool!(&self.db, p => sqlx::query("INSERT INTO clues (ref_no, kind, value_enc, description, contact_enc, submitted_at, screenshot_enc, screenshot_mime) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&ref_no).bind(kind).bind(v.encrypt(Field::Event, value)?).bind(description).bind(contact_enc).bind(now).bind(shot_enc).bind(shot_mime).execute(p).await.map(|_| ())?);
        Ok(ref_no)
    }

    /// A clue's screenshot, decrypted: `(mime, bytes)`.
    pub async fn clue_screenshot(&self, id: i64) -> Result<(String, Vec<u8>)> {
        let row: Option<(String, Option<Vec<u8>>)> = on_pool!(&self.db, p => sqlx::query_as("SELECT screenshot_mime, screenshot_enc FROM clues WHERE id = $1").bind(id).fetch_optional(p).await?);
        match row {
            Some((mime, Some(enc))) if !mime.is_empty() => {
                Ok((mime, self.vault().decrypt_bytes(Field::Evidence, &enc)?))
            }
            _ => Err(StoreError::NotFound("screenshot")),
        }
    }

    /// Clues, newest first.
    pub async fn list_clues(&self, page: PageReq) -> Result<Page<ClueView>> {
        let (total,): (i64,) =
            on_pool!(&self.db, p => sqlx::query_as("SELECT COUNT(*) FROM clues").fetch_one(p).await?);
        let sql = format!("SELECT {COLS} FROM clues ORDER BY id DESC LIMIT $1 OFFSET $2");
        let rows: Vec<Row> = on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(page.limit()).bind(page.offset()).fetch_all(p).await?);
        let items = rows.into_iter().map(|r| self.clue_view(r).map(|(v, _)| v)).collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total, page: page.page.max(1), per_page: page.limit() })
    }

    /// Records the verdict on a new clue; returns it masked, and its value in clear (for the
    /// fraud list).
    pub async fn review_clue(
        &self,
        id: i64,
        confirmed: bool,
        by: &str,
        reward_fen: i64,
        note: &str,
        audit: Option<domain::audit::AuditContent>,
    ) -> Result<(ClueView, String)> {
        let n = crate::audit::execute_audited!(self, audit, sqlx::query("UPDATE clues SET status = $1, reviewed_by = $2, reviewed_at = $3, reward_fen = $4, review_note = $5 WHERE id = $6 AND status = 'new'")
            .bind(if confirmed { "confirmed" } else { "rejected" }).bind(by).bind(now_ms()).bind(reward_fen).bind(note).bind(id));
        if n == 0 {
            return Err(StoreError::Conflict { field: "status", message: "not a new clue".into() });
        }
        let sql = format!("SELECT {COLS} FROM clues WHERE id = $1");
        let row: Row = on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(p).await?);
        self.clue_view(row)
    }
}
