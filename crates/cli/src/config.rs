//! One typed configuration, layered: defaults → config file → environment → flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

/// Settings of a `fanzha` process.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the embedded database and the key file live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; defaults to SQLite in the data directory.
    pub database_url: Option<String>,
    /// Master key `ID:HEX`; defaults to the key file in the data directory.
    pub master_key: Option<String>,
    /// Address to serve on.
    pub listen: SocketAddr,
    /// Mark session cookies `Secure` (needs TLS in front).
    pub cookie_secure: bool,
    /// The NATS JetStream event stream; off when absent.
    pub stream: Option<StreamConfig>,
    /// Where warnings go (`[routing]` with `[[routing.rules]]`); by residence when absent.
    pub routing: Option<domain::dispatch::Routing>,
    /// Coverage targets and prevention rules (`[prevention]`, `[prevention.targets]`).
    pub prevention: domain::prevention::PreventionConfig,
    /// Notices, rectification listing and trace-backs after the ranking (`[ladder]`).
    pub ladder: supervision::ladder::LadderRules,
    /// Notification webhooks (`[notify]`, `[[notify.webhooks]]`).
    pub notify: server::notify::NotifyConfig,
    /// The banks' working days (`[calendar]`: holidays and make-up working days).
    pub calendar: domain::legal::WorkCalendar,
    /// A learned engine model (`fanzha eval amlsim --save-model FILE`, or one trained on the
    /// county's confirmed accounts): the `ML1` rule scores with it. None: rules alone.
    pub engine_model: Option<PathBuf>,
    /// How far an event's time may lie from now (`[event_time]`: `past_s`, `future_s`).
    pub event_time: domain::time::EventTimeWindow,
    /// Minutes without a request after which a session ends.
    pub session_idle_minutes: u64,
    /// Addresses of monitoring servers that may read `/metrics` besides this machine.
    pub metrics_from: Vec<std::net::IpAddr>,
}

/// The `[stream]` table: where events arrive at scale.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamConfig {
    /// `nats://host:port`.
    pub url: String,
    /// JetStream stream name.
    #[serde(default = "default_stream")]
    pub stream: String,
    /// Subject captured by the stream.
    #[serde(default = "default_subject")]
    pub subject: String,
    /// Durable consumer name.
    #[serde(default = "default_durable")]
    pub durable: String,
    /// Messages per committed batch.
    #[serde(default = "default_batch")]
    pub batch: usize,
}

fn default_stream() -> String {
    server::stream::StreamSettings::new("").stream
}
fn default_subject() -> String {
    server::stream::StreamSettings::new("").subject
}
fn default_durable() -> String {
    server::stream::StreamSettings::new("").durable
}
fn default_batch() -> usize {
    server::stream::StreamSettings::new("").batch
}

impl StreamConfig {
    /// The server's settings for this table.
    pub fn settings(&self) -> server::stream::StreamSettings {
        server::stream::StreamSettings {
            url: self.url.clone(),
            stream: self.stream.clone(),
            subject: self.subject.clone(),
            durable: self.durable.clone(),
            batch: self.batch.max(1),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            database_url: None,
            master_key: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            cookie_secure: true,
            stream: None,
            routing: None,
            prevention: Default::default(),
            ladder: Default::default(),
            notify: Default::default(),
            calendar: Default::default(),
            engine_model: None,
            event_time: Default::default(),
            session_idle_minutes: 30,
            metrics_from: Vec::new(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_deref().map(redact_url))
            .field("master_key", &self.master_key.as_ref().map(|_| "[redacted]"))
            .field("listen", &self.listen)
            .field("cookie_secure", &self.cookie_secure)
            .field("stream", &self.stream)
            .field("prevention", &self.prevention)
            .field("ladder", &self.ladder)
            .field("notify", &self.notify)
            .field("calendar", &self.calendar.version)
            .field("engine_model", &self.engine_model)
            .field("event_time", &self.event_time)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("metrics_from", &self.metrics_from)
            .finish()
    }
}

fn redact_url(u: &str) -> String {
    // postgres://user:password@host/db → postgres://user:***@host/db
    match (u.find("://"), u.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &u[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &u[..s + 3], &u[at..]),
                None => u.to_string(),
            }
        }
        _ => u.to_string(),
    }
}

/// Options that may come from the command line or the environment.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Overrides {
    /// Config file (TOML); see fanzha.example.toml.
    #[arg(long, env = "FANZHA_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Data directory for the embedded database and key file.
    #[arg(long, env = "FANZHA_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL (sqlite://PATH or postgres://…).
    #[arg(long, env = "FANZHA_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Master key as ID:HEX (64 hex characters).
    #[arg(long, env = "FANZHA_MASTER_KEY", hide_env_values = true, global = true)]
    pub master_key: Option<String>,
    /// Address to listen on.
    #[arg(long, env = "FANZHA_LISTEN", global = true)]
    pub listen: Option<SocketAddr>,
    /// NATS server of the event stream (turns the stream consumer on).
    #[arg(long, env = "FANZHA_NATS_URL", global = true)]
    pub nats_url: Option<String>,
    /// JetStream stream name (default FANZHA_EVENTS).
    #[arg(long, env = "FANZHA_NATS_STREAM", global = true)]
    pub nats_stream: Option<String>,
    /// Learned engine model file (JSON, from `fanzha eval amlsim --save-model`).
    #[arg(long, env = "FANZHA_ENGINE_MODEL", global = true)]
    pub engine_model: Option<PathBuf>,
}

impl Config {
    /// Builds the configuration from all layers.
    pub fn load(o: &Overrides) -> anyhow::Result<Self> {
        let mut c = match &o.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("cannot read config {}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| anyhow::anyhow!("config {}: {e}", path.display()))?
            }
            None => Config::default(),
        };
        if let Some(v) = &o.data_dir {
            c.data_dir = v.clone();
        }
        if o.database_url.is_some() {
            c.database_url = o.database_url.clone();
        }
        if o.master_key.is_some() {
            c.master_key = o.master_key.clone();
        }
        if let Some(v) = o.listen {
            c.listen = v;
        }
        if o.engine_model.is_some() {
            c.engine_model = o.engine_model.clone();
        }
        if let Some(url) = &o.nats_url {
            let s = c.stream.get_or_insert_with(|| StreamConfig {
                url: url.clone(),
                stream: default_stream(),
                subject: default_subject(),
                durable: default_durable(),
                batch: default_batch(),
            });
            s.url = url.clone();
        }
        if let (Some(name), Some(s)) = (&o.nats_stream, c.stream.as_mut()) {
            // A second stream on the same server needs its own subjects and consumer too.
            s.subject = format!("{}.>", name.to_lowercase());
            s.durable = format!("{}-engine", name.to_lowercase());
            s.stream = name.clone();
        }
        c.prevention.validate().map_err(|e| anyhow::anyhow!("[prevention] {e}"))?;
        c.ladder.validate().map_err(|e| anyhow::anyhow!("[ladder] {e}"))?;
        Ok(c)
    }

    /// The learned engine model, when one is configured; a file that is not a model of this
    /// build's features stops the start (deciding without it would be silently weaker).
    pub fn engine_model(&self) -> anyhow::Result<Option<std::sync::Arc<engine::model::Model>>> {
        let Some(path) = &self.engine_model else { return Ok(None) };
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read the engine model {}: {e}", path.display()))?;
        let model = engine::model::Model::from_json(&text)
            .map_err(|e| anyhow::anyhow!("engine model {}: {e}", path.display()))?;
        tracing::info!(path = %path.display(), "engine model loaded");
        Ok(Some(std::sync::Arc::new(model)))
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| store::sqlite_url(&self.data_dir))
    }

    /// Opens the store with the configured key.
    pub async fn open_store(&self) -> anyhow::Result<store::Store> {
        std::fs::create_dir_all(&self.data_dir)
            .map_err(|e| anyhow::anyhow!("cannot create data directory {}: {e}", self.data_dir.display()))?;
        let key = match &self.master_key {
            Some(k) => store::bootstrap::KeySource::Spec(k.clone()),
            None => store::bootstrap::KeySource::File(self.data_dir.join("master.key")),
        };
        Ok(store::bootstrap::open(&self.database_url(), key).await?)
    }
}

/// A ruleset file (TOML), checked.
pub fn read_ruleset(path: &std::path::Path) -> anyhow::Result<engine::ruleset::Ruleset> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    engine::ruleset::Ruleset::from_toml(&text).map_err(|e| anyhow::anyhow!("ruleset {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_is_valid() {
        let text = include_str!("../../../fanzha.example.toml");
        let c: Config = toml::from_str(text).expect("fanzha.example.toml must parse");
        assert_eq!(c.listen.port(), 8080);
        assert!(c.prevention.validate().is_ok());
        assert!(c.ladder.validate().is_ok());
        assert_eq!(c.ladder.notice_top_n, 5);
        assert_eq!(c.prevention.targets.app_install, 0.60);
        // The commented example of the monitoring servers parses as it reads.
        let line = text.lines().find_map(|l| l.strip_prefix("# metrics_from")).expect("metrics_from example");
        let m: Config = toml::from_str(&format!("metrics_from{line}")).expect("metrics_from");
        assert_eq!(m.metrics_from, vec!["10.0.0.5".parse::<std::net::IpAddr>().expect("ip")]);
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let c = Config {
            master_key: Some("1:abcd".into()),
            database_url: Some("postgres://u:secret@h/db".into()),
            ..Config::default()
        };
        let d = format!("{c:?}");
        assert!(!d.contains("abcd") && !d.contains("secret"), "{d}");
    }

    #[test]
    fn flags_override_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "listen = \"127.0.0.1:9000\"\ndata_dir = \"/x\"\n").expect("write");
        let c = Config::load(&Overrides { config: Some(f), data_dir: Some("/y".into()), ..Default::default() })
            .expect("load");
        assert_eq!((c.listen.port(), c.data_dir.to_str()), (9000, Some("/y")));
    }
}
