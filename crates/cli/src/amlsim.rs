//! Reading an AMLSim folder (the layout of ../shared/data/*), gzipped or not, and the
//! time-ordered 60/20/20 split used by every evaluation.

use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::Path;

use anyhow::{Context, bail};

/// One transfer of the data set.
#[derive(Debug, Clone)]
pub struct Tx {
    /// `tran_id`.
    pub id: u64,
    /// Sender.
    pub orig: String,
    /// Receiver.
    pub bene: String,
    /// Amount in fen.
    pub fen: i64,
    /// Day index from the first day.
    pub day: i64,
    /// Label, when present (blank in a blinded test part).
    pub sar: Option<bool>,
}

/// The data set, in time order (day, then `tran_id`).
pub struct Dataset {
    /// Transfers.
    pub txs: Vec<Tx>,
    /// Typology of each SAR transfer by `tran_id`, when `alert_transactions.csv` is there.
    pub typology: HashMap<u64, String>,
    /// Index of the first validation transfer.
    pub cut_validation: usize,
    /// Index of the first test transfer.
    pub cut_test: usize,
    /// The date of day 0.
    pub first_date: Option<jiff::civil::Date>,
}

impl Dataset {
    /// Day index of transfer `i` in time order (0 past the end).
    pub fn day_at(&self, i: usize) -> i64 {
        self.txs.get(i).map_or(0, |t| t.day)
    }
}

fn open(dir: &Path, name: &str) -> anyhow::Result<Option<Box<dyn Read>>> {
    let plain = dir.join(name);
    let gz = dir.join(format!("{name}.gz"));
    if gz.exists() {
        let f = std::fs::File::open(&gz).with_context(|| format!("open {}", gz.display()))?;
        Ok(Some(Box::new(flate2::read::GzDecoder::new(f))))
    } else if plain.exists() {
        Ok(Some(Box::new(std::fs::File::open(&plain).with_context(|| format!("open {}", plain.display()))?)))
    } else {
        Ok(None)
    }
}

/// Days since 1970-01-01 of an ISO timestamp's date; only differences matter.
fn day_of(ts: &str) -> Option<i64> {
    let d: jiff::civil::Date = ts.get(..10)?.parse().ok()?;
    jiff::civil::date(1970, 1, 1).until(d).ok().map(|s| i64::from(s.get_days()))
}

/// Reads the folder and computes the split.
pub fn load(dir: &Path) -> anyhow::Result<Dataset> {
    let r = open(dir, "transactions.csv")?.with_context(|| format!("{}: no transactions.csv(.gz)", dir.display()))?;
    let mut rdr = csv::Reader::from_reader(BufReader::with_capacity(1 << 20, r));
    let h = rdr.headers()?.clone();
    let col = |n: &str| h.iter().position(|x| x == n).with_context(|| format!("transactions.csv: no column {n}"));
    let (ci, co, cb, ca, ct, cs) = (
        col("tran_id")?,
        col("orig_acct")?,
        col("bene_acct")?,
        col("base_amt")?,
        col("tran_timestamp")?,
        col("is_sar")?,
    );
    let mut txs = Vec::new();
    let mut rec = csv::StringRecord::new();
    let mut line = 1usize;
    while rdr.read_record(&mut rec)? {
        line += 1;
        let get = |i: usize| rec.get(i).unwrap_or("");
        let id: u64 = get(ci).parse().with_context(|| format!("transactions.csv row {line}: tran_id"))?;
        let amt: f64 = get(ca).parse().with_context(|| format!("transactions.csv row {line}: base_amt"))?;
        let day = day_of(get(ct)).with_context(|| format!("transactions.csv row {line}: tran_timestamp"))?;
        let sar = match get(cs) {
            "True" | "true" | "1" => Some(true),
            "False" | "false" | "0" => Some(false),
            _ => None,
        };
        txs.push(Tx {
            id,
            orig: get(co).to_string(),
            bene: get(cb).to_string(),
            fen: (amt * 100.0).round() as i64,
            day,
            sar,
        });
    }
    if txs.is_empty() {
        bail!("transactions.csv has no rows");
    }
    txs.sort_by_key(|t| (t.day, t.id));
    let d0 = txs[0].day;
    let first_date = jiff::civil::date(1970, 1, 1).checked_add(jiff::Span::new().days(d0)).ok();
    for t in &mut txs {
        t.day -= d0;
    }
    let mut typology = HashMap::new();
    if let Some(r) = open(dir, "alert_transactions.csv")? {
        let mut rdr = csv::Reader::from_reader(BufReader::new(r));
        let h = rdr.headers()?.clone();
        let ti = h.iter().position(|x| x == "tran_id").context("alert_transactions.csv: no tran_id")?;
        let ty = h.iter().position(|x| x == "alert_type").context("alert_transactions.csv: no alert_type")?;
        for rec in rdr.records() {
            let rec = rec?;
            if let (Some(Ok(id)), Some(t)) = (rec.get(ti).map(str::parse::<u64>), rec.get(ty)) {
                typology.insert(id, t.to_string());
            }
        }
    }
    let cut_validation = day_cut(&txs, 0.6);
    let cut_test = day_cut(&txs, 0.8);
    Ok(Dataset { txs, typology, cut_validation, cut_test, first_date })
}

/// The index of the day boundary nearest to `share` of the transfers.
pub fn day_cut(txs: &[Tx], share: f64) -> usize {
    let target = (txs.len() as f64 * share).round() as usize;
    let mut best = 0usize;
    let mut best_d = usize::MAX;
    for i in 1..txs.len() {
        if txs[i].day != txs[i - 1].day {
            let d = i.abs_diff(target);
            if d < best_d {
                best_d = d;
                best = i;
            }
        }
    }
    best
}
