//! The team backend: a project kept on an existing PostgreSQL server, behind the same
//! [`Store`](super::Store) interface as the embedded SQLite file.
//!
//! A team project lives in its own schema (`tawsim_<name>`) of a database. Its annotators
//! are PostgreSQL roles: the role a client connects as is the annotator whose layer it reads
//! and writes. Row-level security in the database (not only in this client) keeps every
//! annotator to their own spans, statuses and history, lets them read others' layers only
//! when the project allows it, and leaves labels, settings, documents and the annotator list
//! to managers. Labels and settings carry a version: a write made from a stale copy is
//! refused, never last-writer-wins.
//!
//! Locations are URLs: `postgres://user[:password]@host[:port]/db?project=NAME[&sslmode=…]`.

use super::backend::{DocumentSink, ExportDocs, NextAssigned, Store};
use super::rows::SameText;
use super::{
    DocSummary, LayerStats, Project, ProjectStats, SourceStats, StoreError, StoredSuggestion,
    SuggestionRow,
};
use crate::domain::annotator::{Annotator, AnnotatorId, Role};
use crate::domain::label::{hex, parse_hex};
use crate::domain::{
    AnnotatedDocument, Annotations, DocId, DocStatus, Document, Edit, History, Label, LabelId,
    LabelKind, LabelOptions, LabelSet, OverlapPolicy, ProjectSettings, Span, SpanSet,
};
use postgres::{Client, NoTls, Transaction};
use std::cell::{RefCell, RefMut};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Why a team project made by an older tawsim refuses relations and document labels.
const NO_RELATIONS: &str = "this team project was made by an older tawsim and holds no relations \
     or document labels yet: open it once as the role that ran `tawsim team init` to upgrade it";
use std::path::{Path, PathBuf};

mod batch;
mod relations;
mod suggestions;
mod text_index;
pub use text_index::like_patterns;

/// The schema version of a team project this build makes and reads. Version 2 adds the
/// curated layer a manager writes and active annotation time; version 3 suggestions and
/// each annotator's rejections of them. An older project is upgraded when its owner (the
/// role that ran `team init`) opens it.
pub const TEAM_SCHEMA_VERSION: i64 = 4;

/// True when `location` names a team project (a PostgreSQL URL) rather than a file.
#[must_use]
pub fn is_team_location(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// A parsed team project location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamLocation {
    /// What the PostgreSQL client connects with (the URL without `project=`).
    conninfo: String,
    /// The project's name (`[a-z][a-z0-9_]*`).
    pub project: String,
    /// The URL without its password, for messages.
    pub display: String,
    /// The role named in the URL (the annotator), if any.
    pub user: Option<String>,
    /// A password typed by the user (the window asks for it); never shown, never saved.
    password: Option<Secret>,
}

/// A password held in memory only: `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<password>")
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |k: usize| b.get(k).and_then(|c| (*c as char).to_digit(16));
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks a team project's name: lower-case ASCII letters, digits and `_`, starting with a
/// letter, at most 40 characters (it names a schema and two roles).
pub fn check_project_name(name: &str) -> Result<(), String> {
    let ok = name.len() <= 40
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "team project name {name:?}: use lower-case letters, digits and _, starting with a letter (at most 40)"
        ))
    }
}

impl TeamLocation {
    /// Parses `postgres://…?project=NAME`; `project` (when given) overrides the URL's.
    pub fn parse(url: &str, project: Option<&str>) -> Result<TeamLocation, String> {
        if !is_team_location(url) {
            return Err(format!("{url}: not a postgres:// URL"));
        }
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut name = project.map(str::to_string);
        let mut rest = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("project", v)) => {
                    if name.is_none() {
                        name = Some(percent_decode(v));
                    }
                }
                _ => rest.push(pair),
            }
        }
        let after_scheme = base.split_once("://").map_or("", |(_, r)| r);
        let (auth, _) = after_scheme.rsplit_once('@').unwrap_or(("", after_scheme));
        let (user, password) = match auth.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (auth, None),
        };
        let user = (!user.is_empty()).then(|| percent_decode(user));
        let shown_base = match password {
            Some(p) => base.replacen(&format!(":{p}@"), "@", 1),
            None => base.to_string(),
        };
        let Some(name) = name else {
            return Err(format!(
                "{shown_base}: which team project? add ?project=NAME to the URL"
            ));
        };
        check_project_name(&name).map_err(|e| format!("{shown_base}: {e}"))?;
        let conninfo = if rest.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", rest.join("&"))
        };
        let mut display = format!("{shown_base}?project={name}");
        if !rest.is_empty() {
            display.push('&');
            display.push_str(&rest.join("&"));
        }
        Ok(TeamLocation {
            conninfo,
            project: name,
            display,
            user,
            password: None,
        })
    }

    /// The same location with a password the user typed (used instead of `PGPASSWORD` and
    /// `~/.pgpass`; a password in the URL still comes first).
    #[must_use]
    pub fn with_password(mut self, password: &str) -> TeamLocation {
        self.password = (!password.is_empty()).then(|| Secret(password.to_string()));
        self
    }

    fn schema(&self) -> String {
        format!("tawsim_{}", self.project)
    }

    fn path(&self) -> PathBuf {
        PathBuf::from(&self.display)
    }

    fn connect(&self) -> Result<Client, StoreError> {
        let path = self.path();
        let (conninfo, tls) = tls_options(&self.conninfo);
        let mut config: postgres::Config = conninfo.parse().map_err(|e| StoreError::Invalid {
            path: path.clone(),
            message: format!("not a PostgreSQL URL: {e}"),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        config.application_name("tawsim");
        if config.get_password().is_none()
            && let Some(Secret(pw)) = &self.password
        {
            config.password(pw);
        }
        if config.get_password().is_none()
            && let Some(pw) = password_from_env(&config)
        {
            config.password(pw);
        }
        let no_password = config.get_password().is_none();
        let failed = |e: postgres::Error| connect_error(&path, &e, no_password);
        if config.get_ssl_mode() == postgres::config::SslMode::Disable {
            return config.connect(NoTls).map_err(failed);
        }
        let tls = tls_config(&tls).map_err(|message| StoreError::Invalid {
            path: path.clone(),
            message,
        })?;
        config
            .connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
            .map_err(failed)
    }
}

/// How the server's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verify {
    /// `sslmode=prefer|require`: encrypted, the certificate not checked (as libpq does
    /// without a root certificate).
    Encrypt,
    /// `sslmode=verify-ca|verify-full`: checked against `sslrootcert` (verify-full also
    /// checks the host name; rustls always does).
    Against(PathBuf),
}

/// Takes the TLS settings the PostgreSQL client library does not parse out of a URL:
/// `sslrootcert=FILE`, and `sslmode=verify-ca|verify-full` (passed on as `require`).
fn tls_options(conninfo: &str) -> (String, Verify) {
    let Some((base, query)) = conninfo.split_once('?') else {
        return (conninfo.to_string(), Verify::Encrypt);
    };
    let mut root = None;
    let mut verify = false;
    let mut keep = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("sslrootcert", v)) => root = Some(PathBuf::from(percent_decode(v))),
            Some(("sslmode", "verify-ca" | "verify-full")) => {
                verify = true;
                keep.push("sslmode=require");
            }
            _ => keep.push(pair),
        }
    }
    let url = if keep.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", keep.join("&"))
    };
    let v = match (verify, root) {
        (true, Some(r)) => Verify::Against(r),
        (true, None) => Verify::Against(PathBuf::new()),
        (false, _) => Verify::Encrypt,
    };
    (url, v)
}

fn tls_config(verify: &Verify) -> Result<rustls::ClientConfig, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    Ok(match verify {
        Verify::Encrypt => builder
            .dangerous()
            .with_custom_certificate_verifier(std::sync::Arc::new(AnyCertificate(provider)))
            .with_no_client_auth(),
        Verify::Against(file) if file.as_os_str().is_empty() => {
            return Err(
                "sslmode=verify-full needs sslrootcert=FILE (the server's CA certificate, PEM)"
                    .into(),
            );
        }
        Verify::Against(file) => {
            let mut roots = rustls::RootCertStore::empty();
            let certs = CertificateDer::pem_file_iter(file)
                .map_err(|e| format!("sslrootcert {}: {e}", file.display()))?;
            for c in certs {
                let c = c.map_err(|e| format!("sslrootcert {}: {e}", file.display()))?;
                roots
                    .add(c)
                    .map_err(|e| format!("sslrootcert {}: {e}", file.display()))?;
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
    })
}

/// `sslmode=require` without a root certificate: the connection is encrypted and the
/// handshake's signatures checked, but any certificate is accepted (libpq's behaviour).
#[derive(Debug)]
struct AnyCertificate(std::sync::Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The password for a URL without one, as libpq finds it: `PGPASSWORD`, else the first
/// matching line of `PGPASSFILE` or `~/.pgpass` (`host:port:database:user:password`, `*`
/// matching anything, `\:` and `\\` escaped). Never kept by tawsim.
fn password_from_env(config: &postgres::Config) -> Option<String> {
    if let Ok(pw) = std::env::var("PGPASSWORD") {
        return Some(pw);
    }
    let file = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pgpass")))?;
    let text = std::fs::read_to_string(file).ok()?;
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "localhost".to_string(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let user = config.get_user().unwrap_or_default().to_string();
    let db = config.get_dbname().unwrap_or(&user).to_string();
    pgpass_lookup(&text, [&host, &port, &db, &user])
}

/// The password of the first `.pgpass` line matching host, port, database and user.
fn pgpass_lookup(text: &str, want: [&str; 4]) -> Option<String> {
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = Vec::new();
        let mut cur = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => cur.extend(chars.next()),
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            }
        }
        fields.push(cur);
        if fields.len() == 5
            && fields[..4]
                .iter()
                .zip(want)
                .all(|(f, w)| f == "*" || f == w)
        {
            return fields.pop();
        }
    }
    None
}

/// A PostgreSQL error as a store error naming the project: the server's own message (with
/// its detail and hint) or, when the server cannot be reached, a sentence that says so.
fn pg(path: &Path) -> impl Fn(postgres::Error) -> StoreError + '_ {
    move |e| StoreError::Invalid {
        path: path.to_path_buf(),
        message: describe(&e),
    }
}

/// A failed connection as a store error: [`StoreError::NeedsPassword`] when the server
/// refused the password (SQLSTATE 28P01, or 28000 for a refused login), or asked for one
/// while none was given (the client stops before the server answers; the driver says so
/// only in its message, "password missing", the one place its text is read).
fn connect_error(path: &Path, e: &postgres::Error, no_password: bool) -> StoreError {
    use postgres::error::SqlState;
    let refused = e.as_db_error().is_some_and(|db| {
        db.code() == &SqlState::INVALID_PASSWORD
            || db.code() == &SqlState::INVALID_AUTHORIZATION_SPECIFICATION
    });
    let missing =
        no_password && e.as_db_error().is_none() && e.to_string().contains("password missing");
    if refused || missing {
        StoreError::NeedsPassword {
            path: path.to_path_buf(),
            message: describe(e),
        }
    } else {
        StoreError::Invalid {
            path: path.to_path_buf(),
            message: describe(e),
        }
    }
}

/// Words for a PostgreSQL error.
#[must_use]
pub fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut m = db.message().to_string();
        if let Some(d) = db.detail() {
            m.push_str(&format!(" ({d})"));
        }
        if let Some(h) = db.hint() {
            m.push_str(&format!("; {h}"));
        }
        if db.code() == &postgres::error::SqlState::INSUFFICIENT_PRIVILEGE {
            m.push_str(" — refused by the team project's permissions");
        }
        m
    } else {
        let mut chain = e.to_string();
        let mut unreachable = e.is_closed();
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            if let Some(io) = c.downcast_ref::<std::io::Error>() {
                use std::io::ErrorKind as K;
                unreachable |= matches!(
                    io.kind(),
                    K::ConnectionRefused
                        | K::ConnectionReset
                        | K::ConnectionAborted
                        | K::TimedOut
                        | K::NotConnected
                        | K::HostUnreachable
                        | K::NetworkUnreachable
                        | K::BrokenPipe
                        | K::AddrNotAvailable
                        | K::UnexpectedEof
                );
            }
            let text = c.to_string();
            if !chain.contains(&text) {
                chain.push_str(": ");
                chain.push_str(&text);
            }
            cause = c.source();
        }
        if unreachable {
            format!("server unreachable: {chain}")
        } else {
            chain
        }
    }
}

/// Quotes an SQL identifier.
fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Quotes an SQL string literal (standard_conforming_strings is on in every supported
/// server).
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The statements that make a team project's schema `s`, its two group roles and its
/// row-level security.
fn schema_sql(s: &str, annotators: &str, managers: &str) -> String {
    let q = ident(s);
    let a = ident(annotators);
    let m = ident(managers);
    format!(
        r#"
CREATE SCHEMA {q};
CREATE TABLE {q}.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE {q}.annotators (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('annotator', 'manager')));
CREATE TABLE {q}.labels (
  id integer PRIMARY KEY, name text NOT NULL UNIQUE, color text NOT NULL, hotkey text,
  description text NOT NULL DEFAULT '', enabled boolean NOT NULL DEFAULT true,
  position integer NOT NULL DEFAULT 0);
CREATE TABLE {q}.documents (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name text NOT NULL, text text NOT NULL, meta text NOT NULL DEFAULT '{{}}',
  char_len bigint NOT NULL);
CREATE TABLE {q}.layer_spans (
  doc_id bigint NOT NULL REFERENCES {q}.documents(id) ON DELETE CASCADE,
  annotator_id bigint NOT NULL REFERENCES {q}.annotators(id),
  start bigint NOT NULL, "end" bigint NOT NULL,
  label_id integer NOT NULL REFERENCES {q}.labels(id),
  PRIMARY KEY (doc_id, annotator_id, start, "end", label_id),
  CHECK (start >= 0 AND "end" > start));
CREATE INDEX ON {q}.layer_spans (annotator_id, label_id);
CREATE TABLE {q}.layer_status (
  doc_id bigint NOT NULL REFERENCES {q}.documents(id) ON DELETE CASCADE,
  annotator_id bigint NOT NULL REFERENCES {q}.annotators(id),
  status text NOT NULL CHECK (status IN ('new', 'in_progress', 'done')),
  PRIMARY KEY (doc_id, annotator_id));
CREATE TABLE {q}.layer_history (
  doc_id bigint NOT NULL REFERENCES {q}.documents(id) ON DELETE CASCADE,
  annotator_id bigint NOT NULL REFERENCES {q}.annotators(id),
  seq bigint NOT NULL, edit text NOT NULL, undone boolean NOT NULL DEFAULT false,
  PRIMARY KEY (doc_id, annotator_id, seq));

CREATE TABLE {q}.assignments (
  doc_id bigint NOT NULL REFERENCES {q}.documents(id) ON DELETE CASCADE,
  annotator_id bigint NOT NULL REFERENCES {q}.annotators(id),
  PRIMARY KEY (doc_id, annotator_id));
CREATE INDEX ON {q}.assignments (annotator_id, doc_id);
CREATE TABLE {q}.leases (
  doc_id bigint PRIMARY KEY REFERENCES {q}.documents(id) ON DELETE CASCADE,
  annotator_id bigint NOT NULL REFERENCES {q}.annotators(id),
  until timestamptz NOT NULL);

-- Every committed edit's id, so that an edit whose commit was cut off by a lost connection
-- is never written twice when it is retried.
CREATE TABLE {q}.applied_ops (
  op_id text PRIMARY KEY,
  annotator_id bigint,
  at timestamptz NOT NULL DEFAULT now());

-- Who is asking: the annotator row named as the role connected.
CREATE FUNCTION {q}.my_id() RETURNS bigint LANGUAGE sql STABLE
  AS $$ SELECT id FROM {q}.annotators WHERE name = current_user $$;
CREATE FUNCTION {q}.i_manage() RETURNS boolean LANGUAGE sql STABLE
  AS $$ SELECT EXISTS (SELECT 1 FROM {q}.annotators WHERE name = current_user AND role = 'manager') $$;
CREATE FUNCTION {q}.layers_visible() RETURNS boolean LANGUAGE sql STABLE
  AS $$ SELECT EXISTS (SELECT 1 FROM {q}.meta WHERE key = 'others_visible' AND value = '1') $$;

GRANT USAGE ON SCHEMA {q} TO {a};
GRANT SELECT ON ALL TABLES IN SCHEMA {q} TO {a};
GRANT INSERT, UPDATE, DELETE ON {q}.layer_spans, {q}.layer_status, {q}.layer_history TO {a};
GRANT INSERT, UPDATE, DELETE ON {q}.meta, {q}.annotators, {q}.labels, {q}.documents, {q}.assignments TO {m};
GRANT INSERT, UPDATE, DELETE ON {q}.leases TO {a};
GRANT INSERT ON {q}.applied_ops TO {a};
ALTER TABLE {q}.applied_ops ENABLE ROW LEVEL SECURITY;
ALTER TABLE {q}.applied_ops FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON {q}.applied_ops TO {a}
  USING (annotator_id = (SELECT {q}.my_id())) WITH CHECK (annotator_id = (SELECT {q}.my_id()));
-- A lease is its holder's; anyone may read them (to pass over a taken document) and take
-- one that has run out.
ALTER TABLE {q}.leases ENABLE ROW LEVEL SECURITY;
ALTER TABLE {q}.leases FORCE ROW LEVEL SECURITY;
CREATE POLICY read ON {q}.leases FOR SELECT TO {a} USING (true);
CREATE POLICY take ON {q}.leases FOR INSERT TO {a} WITH CHECK (annotator_id = (SELECT {q}.my_id()));
CREATE POLICY hold ON {q}.leases FOR UPDATE TO {a}
  USING (annotator_id = (SELECT {q}.my_id()) OR until < now())
  WITH CHECK (annotator_id = (SELECT {q}.my_id()));
CREATE POLICY give_back ON {q}.leases FOR DELETE TO {a}
  USING (annotator_id = (SELECT {q}.my_id()) OR (SELECT {q}.i_manage()));
GRANT USAGE ON ALL SEQUENCES IN SCHEMA {q} TO {m};
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {q} TO {a};
"#
    ) + &["layer_spans", "layer_status", "layer_history"]
        .iter()
        .map(|t| layer_policies_sql(&q, &a, &m, t))
        .collect::<String>()
}

/// Row-level security of a layer table `t` (rows with an `annotator_id`; names quoted):
/// each annotator's rows are their own, others' are read when the project shows layers or
/// by a manager, and a manager may delete any.
fn layer_policies_sql(q: &str, a: &str, m: &str, t: &str) -> String {
    format!(
        r#"
ALTER TABLE {q}.{t} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {q}.{t} FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON {q}.{t} TO {a}
  USING (annotator_id = (SELECT {q}.my_id())) WITH CHECK (annotator_id = (SELECT {q}.my_id()));
CREATE POLICY see_others ON {q}.{t} FOR SELECT TO {a}
  USING ((SELECT {q}.layers_visible()) OR (SELECT {q}.i_manage()));
CREATE POLICY manage ON {q}.{t} FOR DELETE TO {m}
  USING ((SELECT {q}.i_manage()));
"#
    )
}

/// A manager's role may write the curated layer's rows of layer table `t` (schema 2).
fn curate_policy_sql(q: &str, m: &str, t: &str) -> String {
    format!(
        r#"
CREATE POLICY curate ON {q}.{t} TO {m}
  USING ((SELECT {q}.i_manage()) AND annotator_id = (SELECT {q}.curated_id()))
  WITH CHECK ((SELECT {q}.i_manage()) AND annotator_id = (SELECT {q}.curated_id()));
"#
    )
}

/// Schema 2 over schema 1: a manager's role may write the layer of the annotator named
/// `curated` (the curated layer) in the layer tables, and `layer_time` keeps each
/// annotator's active annotation time per document, under the same row-level security as
/// the layers.
fn schema_v2_sql(s: &str, annotators: &str, managers: &str) -> String {
    let q = ident(s);
    let a = ident(annotators);
    let m = ident(managers);
    let curated = literal(crate::curation::CURATED);
    let mut sql = format!(
        r#"
CREATE FUNCTION {q}.curated_id() RETURNS bigint LANGUAGE sql STABLE
  AS $$ SELECT id FROM {q}.annotators WHERE name = {curated} $$;
GRANT EXECUTE ON FUNCTION {q}.curated_id() TO {a};
CREATE TABLE {q}.layer_time (
  doc_id bigint NOT NULL REFERENCES {q}.documents(id) ON DELETE CASCADE,
  annotator_id bigint NOT NULL REFERENCES {q}.annotators(id),
  seconds double precision NOT NULL DEFAULT 0 CHECK (seconds >= 0),
  PRIMARY KEY (doc_id, annotator_id));
GRANT SELECT, INSERT, UPDATE, DELETE ON {q}.layer_time TO {a};
"#
    );
    sql.push_str(&layer_policies_sql(&q, &a, &m, "layer_time"));
    for t in ["layer_spans", "layer_status", "layer_history", "layer_time"] {
        sql.push_str(&curate_policy_sql(&q, &m, t));
    }
    sql.push_str(&format!(
        "UPDATE {q}.meta SET value = '2' WHERE key = 'schema_version';\n"
    ));
    sql
}

/// Schema 3 over schema 2: suggestions, rejections and the search index (its trigram
/// index when the server can make one). The index is filled by the next manager's
/// `tawsim index` or window.
fn schema_v3(
    tx: &mut Transaction<'_>,
    s: &str,
    annotators: &str,
    managers: &str,
) -> Result<(), postgres::Error> {
    tx.batch_execute(&suggestions::schema_v3_sql(s, annotators, managers))?;
    let q = ident(s);
    tx.batch_execute(&text_index::table_sql(&q, annotators, managers))?;
    text_index::trigram_index(tx, &q)?;
    Ok(())
}

/// The channel a team project announces its changes on.
fn channel(project: &str) -> String {
    format!("tawsim_{project}")
}

/// Live updates: every change to what open views show is announced on the project's channel
/// (the payload is the table's name; the rows stay behind row-level security).
fn notify_sql(q: &str, project: &str) -> String {
    let chan = literal(&channel(project));
    let mut sql = format!(
        "CREATE FUNCTION {q}.notify_change() RETURNS trigger LANGUAGE plpgsql
           AS $$ BEGIN PERFORM pg_notify({chan}, TG_TABLE_NAME); RETURN NULL; END $$;\n"
    );
    for t in [
        "labels",
        "meta",
        "annotators",
        "documents",
        "assignments",
        "layer_status",
    ] {
        sql.push_str(&format!(
            "CREATE TRIGGER notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {q}.{t}
               FOR EACH STATEMENT EXECUTE FUNCTION {q}.notify_change();\n"
        ));
    }
    sql
}

/// Changes announced on a team project, received on a thread of their own: the names of
/// the tables that changed (labels, meta, annotators, documents, assignments,
/// layer_status), and `reconnected` after the connection was lost and made again (when
/// anything may have changed).
pub struct Watcher {
    rx: std::sync::mpsc::Receiver<String>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watcher {
    /// Starts listening; returns once the server listens for this client.
    pub fn start(location: &TeamLocation) -> Result<Watcher, StoreError> {
        use std::sync::atomic::{AtomicBool, Ordering};
        let path = location.path();
        let listen = format!("LISTEN {}", ident(&channel(&location.project)));
        let mut client = location.connect()?;
        client.batch_execute(&listen).map_err(pg(&path))?;
        let (tx, rx) = std::sync::mpsc::channel();
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let loc = location.clone();
        let thread = std::thread::spawn(move || {
            use postgres::fallible_iterator::FallibleIterator;
            let mut client = Some(client);
            let mut wait = std::time::Duration::from_millis(200);
            while !stopped.load(Ordering::Relaxed) {
                let Some(c) = client.as_mut() else {
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(std::time::Duration::from_secs(2));
                    if let Ok(mut fresh) = loc.connect()
                        && fresh.batch_execute(&listen).is_ok()
                    {
                        client = Some(fresh);
                        wait = std::time::Duration::from_millis(200);
                        if tx.send("reconnected".into()).is_err() {
                            return;
                        }
                    }
                    continue;
                };
                let mut lost = false;
                {
                    let mut notes = c.notifications();
                    let mut it = notes.timeout_iter(std::time::Duration::from_millis(250));
                    loop {
                        match it.next() {
                            Ok(Some(n)) => {
                                if tx.send(n.payload().to_string()).is_err() {
                                    return;
                                }
                            }
                            Ok(None) => break,
                            Err(_) => {
                                lost = true;
                                break;
                            }
                        }
                    }
                }
                if lost {
                    client = None;
                }
                if client.as_ref().is_some_and(Client::is_closed) {
                    client = None;
                }
            }
        });
        Ok(Watcher {
            rx,
            stop,
            thread: Some(thread),
        })
    }

    /// The changes received since the last call (without waiting).
    pub fn changes(&self) -> Vec<String> {
        self.rx.try_iter().collect()
    }

    /// The next change, waiting up to `timeout`.
    pub fn next_change(&self, timeout: std::time::Duration) -> Option<String> {
        self.rx.recv_timeout(timeout).ok()
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Creates a team project on the server: its schema, tables, roles and row-level security,
/// the default labels and settings, and the connecting role as its first manager.
pub fn team_init(location: &TeamLocation) -> Result<(), StoreError> {
    let path = location.path();
    let mut client = location.connect()?;
    let s = location.schema();
    let exists: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
            &[&s],
        )
        .map_err(pg(&path))?
        .get(0);
    if exists {
        return Err(StoreError::AlreadyExists { path });
    }
    let (groups_a, groups_m) = group_roles(&location.project);
    let mut tx = client.transaction().map_err(pg(&path))?;
    // The two group roles (kept when a project of the same name was dropped before).
    for g in [&groups_a, &groups_m] {
        let there: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)",
                &[g],
            )
            .map_err(pg(&path))?
            .get(0);
        if !there {
            tx.batch_execute(&format!("CREATE ROLE {} NOLOGIN", ident(g)))
                .map_err(pg(&path))?;
        }
    }
    tx.batch_execute(&format!(
        "GRANT {} TO {}",
        ident(&groups_a),
        ident(&groups_m)
    ))
    .map_err(pg(&path))?;
    tx.batch_execute(&schema_sql(&s, &groups_a, &groups_m))
        .map_err(pg(&path))?;
    tx.batch_execute(&notify_sql(&ident(&s), &location.project))
        .map_err(pg(&path))?;
    let me: String = tx
        .query_one("SELECT current_user::text", &[])
        .map_err(pg(&path))?
        .get(0);
    tx.execute(
        &format!(
            "INSERT INTO {}.annotators (name, role) VALUES ($1, 'manager')",
            ident(&s)
        ),
        &[&me],
    )
    .map_err(pg(&path))?;
    tx.batch_execute(&format!("GRANT {} TO {}", ident(&groups_m), ident(&me)))
        .map_err(pg(&path))?;
    let q = ident(&s);
    tx.execute(
        &format!("INSERT INTO {q}.meta (key, value) VALUES ('schema_version', '1'), ('shared_version', '0')"),
        &[],
    )
    .map_err(pg(&path))?;
    tx.batch_execute(&schema_v2_sql(&s, &groups_a, &groups_m))
        .map_err(pg(&path))?;
    schema_v3(&mut tx, &s, &groups_a, &groups_m).map_err(pg(&path))?;
    tx.batch_execute(&relations::schema_v4_sql(&s, &groups_a, &groups_m))
        .map_err(pg(&path))?;
    PgProject::write_labels(&mut tx, &q, &LabelSet::arabic_news(), true).map_err(pg(&path))?;
    PgProject::write_settings(&mut tx, &q, ProjectSettings::default()).map_err(pg(&path))?;
    tx.commit().map_err(pg(&path))
}

fn group_roles(project: &str) -> (String, String) {
    (
        format!("tawsim_{project}_annotator"),
        format!("tawsim_{project}_manager"),
    )
}

/// What `team add-annotator` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedAnnotator {
    /// A new login role was made (else the role was there, e.g. from another project).
    pub created_role: bool,
}

/// Adds an annotator (or manager) to a team project: a PostgreSQL login role of that name
/// (made with `password` unless it exists), a member of the project's annotator or manager
/// group, and a row of the project's annotators. Run as a manager who may create roles.
pub fn add_annotator(
    location: &TeamLocation,
    name: &str,
    role: Role,
    password: Option<&str>,
) -> Result<AddedAnnotator, StoreError> {
    let path = location.path();
    let name =
        crate::domain::annotator::check_name(name).map_err(|message| StoreError::Invalid {
            path: path.clone(),
            message,
        })?;
    if name.len() > 63 {
        return Err(StoreError::Invalid {
            path,
            message: format!("{name}: a PostgreSQL role name has at most 63 bytes"),
        });
    }
    if crate::curation::is_curated_name(&name) {
        return Err(StoreError::Invalid {
            path,
            message: format!(
                "{name} is the name of the curated layer, not an annotator's; choose another name"
            ),
        });
    }
    let mut client = location.connect()?;
    let q = ident(&location.schema());
    check_team_schema(&mut client, &location.schema(), &location.project, &path)?;
    let (ga, gm) = group_roles(&location.project);
    let mut tx = client.transaction().map_err(pg(&path))?;
    let exists: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)",
            &[&name],
        )
        .map_err(pg(&path))?
        .get(0);
    if !exists {
        let pw = match password {
            Some(p) => format!(" PASSWORD {}", literal(p)),
            None => String::new(),
        };
        tx.batch_execute(&format!("CREATE ROLE {} LOGIN{pw}", ident(&name)))
            .map_err(pg(&path))?;
    }
    let (grant, revoke) = match role {
        Role::Manager => (&gm, &ga),
        Role::Annotator => (&ga, &gm),
    };
    // A manager is a member of the manager group, which is a member of the annotator
    // group; an annotator only of the latter.
    if role == Role::Annotator {
        let member: bool = tx
            .query_one("SELECT pg_has_role($1, $2, 'MEMBER') AND EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = $2 AND u.rolname = $1)", &[&name, revoke])
            .map_err(pg(&path))?
            .get(0);
        if member {
            tx.batch_execute(&format!("REVOKE {} FROM {}", ident(revoke), ident(&name)))
                .map_err(pg(&path))?;
        }
    }
    tx.batch_execute(&format!("GRANT {} TO {}", ident(grant), ident(&name)))
        .map_err(pg(&path))?;
    tx.execute(
        &format!(
            "INSERT INTO {q}.annotators (name, role) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET role = excluded.role"
        ),
        &[&name, &role.as_str()],
    )
    .map_err(pg(&path))?;
    tx.commit().map_err(pg(&path))?;
    Ok(AddedAnnotator {
        created_role: !exists,
    })
}

/// The version a team project's meta table records (`None`: none, or not a number).
fn schema_version(
    c: &mut impl postgres::GenericClient,
    schema: &str,
) -> Result<Option<i64>, postgres::Error> {
    let v: Option<String> = c
        .query_opt(
            &format!(
                "SELECT value FROM {}.meta WHERE key = 'schema_version'",
                ident(schema)
            ),
            &[],
        )?
        .map(|r| r.get(0));
    Ok(v.and_then(|v| v.parse().ok()))
}

/// Checks that `schema` holds a team project this build reads, and returns its version. An
/// older project is upgraded to this version in one transaction when the role connected may
/// (its owner); otherwise it is read as it is (version 1: no curation, no time records;
/// below 3: no suggestions) and its version stays.
fn check_team_schema(
    client: &mut Client,
    schema: &str,
    project: &str,
    path: &Path,
) -> Result<i64, StoreError> {
    let row = client
        .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema])
        .map_err(pg(path))?;
    if row.is_none() {
        return Err(StoreError::Invalid {
            path: path.to_path_buf(),
            message: format!(
                "no team project here (no schema {schema}); `tawsim team init URL` creates one"
            ),
        });
    }
    match schema_version(client, schema).map_err(pg(path))? {
        Some(TEAM_SCHEMA_VERSION) => Ok(TEAM_SCHEMA_VERSION),
        Some(old) if (1..TEAM_SCHEMA_VERSION).contains(&old) => {
            // Only the owner may add policies and tables: anyone else reads it as it is.
            let (ga, gm) = group_roles(project);
            let upgraded = client.transaction().and_then(|mut tx| {
                tx.batch_execute(&format!(
                    "LOCK TABLE {}.meta IN EXCLUSIVE MODE",
                    ident(schema)
                ))?;
                let mut now = schema_version(&mut tx, schema)?.unwrap_or(old);
                if now == 1 {
                    tx.batch_execute(&schema_v2_sql(schema, &ga, &gm))?;
                    now = 2;
                }
                if now == 2 {
                    schema_v3(&mut tx, schema, &ga, &gm)?;
                    now = 3;
                }
                if now == 3 {
                    tx.batch_execute(&relations::schema_v4_sql(schema, &ga, &gm))?;
                }
                tx.commit()
            });
            match upgraded {
                Ok(()) => Ok(TEAM_SCHEMA_VERSION),
                Err(e) if connection_lost(&e) => Err(pg(path)(e)),
                Err(_) => Ok(old),
            }
        }
        Some(found) if found > TEAM_SCHEMA_VERSION => Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            supported: TEAM_SCHEMA_VERSION,
        }),
        _ => Err(StoreError::NotAProject {
            path: path.to_path_buf(),
            why: format!("schema {schema} holds no tawsim team project"),
        }),
    }
}

/// How `team assign` spreads documents over annotators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spread {
    /// Document i goes to annotators i·n, i·n+1, … (mod their number), in order.
    RoundRobin,
    /// Each document to n annotators drawn at random from this seed (the same seed gives
    /// the same assignment).
    Random(u64),
}

/// What `team assign` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    pub documents: usize,
    pub assignments: usize,
}

/// splitmix64: a small, seeded, reproducible generator.
fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Assigns every document that has no assignment yet to `per_doc` of `annotators` (all
/// annotators of role annotator when empty), and sets exclusive mode: with `lease`, a
/// document handed to one annotator by "next document" is not handed to another until
/// they mark it done or the lease runs out. One transaction; managers only.
pub fn assign(
    location: &TeamLocation,
    per_doc: usize,
    spread: Spread,
    annotators: &[String],
    lease: Option<std::time::Duration>,
) -> Result<Assigned, StoreError> {
    let path = location.path();
    let mut p = PgProject::open(location)?;
    let all = p.annotators()?;
    let pool: Vec<&Annotator> = if annotators.is_empty() {
        all.iter()
            .filter(|a| a.role == Role::Annotator && a.name != crate::curation::CURATED)
            .collect()
    } else {
        annotators
            .iter()
            .map(|n| {
                all.iter().find(|a| a.name == n.trim()).ok_or_else(|| {
                    p.invalid(format!("no annotator {:?} in this team project", n.trim()))
                })
            })
            .collect::<Result<_, _>>()?
    };
    if per_doc == 0 || per_doc > pool.len() {
        return Err(p.invalid(format!(
            "cannot give each document to {per_doc} of {} annotator(s)",
            pool.len()
        )));
    }
    let q = p.q.clone();
    let client = p.client.get_mut();
    let mut tx = client.transaction().map_err(pg(&path))?;
    let done_before: i64 = tx
        .query_one(
            &format!("SELECT COUNT(DISTINCT doc_id) FROM {q}.assignments"),
            &[],
        )
        .map_err(pg(&path))?
        .get(0);
    let docs: Vec<i64> = tx
        .query(
            &format!(
                "SELECT id FROM {q}.documents d WHERE NOT EXISTS
                 (SELECT 1 FROM {q}.assignments a WHERE a.doc_id = d.id) ORDER BY id"
            ),
            &[],
        )
        .map_err(pg(&path))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let (mut doc_ids, mut annotator_ids) = (Vec::new(), Vec::new());
    let mut state = match spread {
        Spread::Random(seed) => seed,
        Spread::RoundRobin => 0,
    };
    let k = pool.len();
    let mut n = 0;
    for (i, d) in docs.iter().enumerate() {
        let chosen: Vec<usize> = match spread {
            Spread::RoundRobin => {
                let start = (usize::try_from(done_before).unwrap_or(0) + i) * per_doc;
                (0..per_doc).map(|j| (start + j) % k).collect()
            }
            Spread::Random(_) => {
                // A partial Fisher–Yates shuffle of the pool.
                let mut idx: Vec<usize> = (0..k).collect();
                for j in 0..per_doc {
                    let r = j + (next_random(&mut state) % (k - j) as u64) as usize;
                    idx.swap(j, r);
                }
                idx.truncate(per_doc);
                idx
            }
        };
        for c in chosen {
            doc_ids.push(*d);
            annotator_ids.push(pool[c].id.0);
            n += 1;
        }
    }
    // In one statement per 50,000 rows (a round trip per row took 19 s for 100,000
    // documents).
    for (ds, az) in doc_ids.chunks(50_000).zip(annotator_ids.chunks(50_000)) {
        tx.execute(
            &format!(
                "INSERT INTO {q}.assignments (doc_id, annotator_id)
                 SELECT * FROM unnest($1::bigint[], $2::bigint[])"
            ),
            &[&ds, &az],
        )
        .map_err(pg(&path))?;
    }
    let minutes = lease.map_or_else(
        || "0".to_string(),
        |l| (l.as_secs() / 60).max(1).to_string(),
    );
    tx.execute(
        &format!(
            "INSERT INTO {q}.meta (key, value) VALUES ('lease_minutes', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        ),
        &[&minutes],
    )
    .map_err(pg(&path))?;
    tx.commit().map_err(pg(&path))?;
    Ok(Assigned {
        documents: docs.len(),
        assignments: n,
    })
}

/// Who is asking through a [`PgProject`]: the role connected.
#[derive(Debug, Clone)]
struct Me {
    id: Option<AnnotatorId>,
    name: String,
    role: Role,
}

impl Me {
    fn layer(&self) -> i64 {
        self.id.map_or(-1, |a| a.0)
    }
}

/// An open team project on a PostgreSQL server.
pub struct PgProject {
    client: RefCell<Client>,
    location: TeamLocation,
    path: PathBuf,
    /// The schema, quoted.
    q: String,
    labels: LabelSet,
    settings: ProjectSettings,
    /// The version of labels and settings this handle read.
    shared_version: i64,
    me: Me,
    /// The project's schema version (1: made by an older tawsim and not upgraded yet).
    version: i64,
    /// This handle reads and writes the curated layer (a manager curating): `me` is the
    /// annotator named [`crate::curation::CURATED`].
    curating: bool,
    /// Set by [`PgProject::retry_until_saved`]: writes wait for the server however long it
    /// takes, and this hears when it is lost (`Some(why)`) and back (`None`).
    on_retry: Option<RetryHook>,
    /// The id the next write records (`true`: it may have been written before, so it is
    /// looked up first); a fresh one when `None`.
    next_op: Option<(String, bool)>,
}

/// Told when writes cannot reach the server (`Some(why)`) and when they can again (`None`).
pub type RetryHook = Box<dyn FnMut(Option<&str>) + Send>;

impl PgProject {
    /// Opens a team project as the role the URL names.
    pub fn open(location: &TeamLocation) -> Result<PgProject, StoreError> {
        let path = location.path();
        let mut client = location.connect()?;
        let version = check_team_schema(&mut client, &location.schema(), &location.project, &path)?;
        let mut p = PgProject {
            version,
            curating: false,
            client: RefCell::new(client),
            location: location.clone(),
            path,
            q: ident(&location.schema()),
            labels: LabelSet::default(),
            settings: ProjectSettings::default(),
            shared_version: 0,
            me: Me {
                id: None,
                name: String::new(),
                role: Role::Annotator,
            },
            on_retry: None,
            next_op: None,
        };
        p.reload()?;
        Ok(p)
    }

    /// From now on a write that cannot reach the server is retried (with backoff, up to 2 s
    /// apart) until it is saved, however long that takes, and `hook` hears when the server
    /// is lost and when it is back. For a handle on a thread of its own (the window's), where
    /// waiting blocks nobody.
    pub fn retry_until_saved(&mut self, hook: RetryHook) {
        self.on_retry = Some(hook);
    }

    /// The next write records `op` as its id instead of a fresh one (an edit kept in a
    /// journal under that id). With `maybe_written`, the id is looked up first and the
    /// write is skipped when the server has it: an edit replayed after a crash is never
    /// written twice.
    pub fn set_next_op(&mut self, op: &str, maybe_written: bool) {
        self.next_op = Some((op.to_string(), maybe_written));
    }

    /// Forgets an id set with [`PgProject::set_next_op`] that no write took.
    pub fn forget_next_op(&mut self) {
        self.next_op = None;
    }

    /// A new random edit id (for a journal).
    #[must_use]
    pub fn new_op_id() -> String {
        op_id()
    }

    /// The connection; one the server closed is opened again first (reads fail while the
    /// server cannot be reached; writes retry, see [`PgProject::write`]).
    fn db(&self) -> RefMut<'_, Client> {
        let mut c = self.client.borrow_mut();
        if c.is_closed()
            && let Ok(fresh) = self.location.connect()
        {
            *c = fresh;
        }
        c
    }

    /// Runs one write transaction (`body`, then the record of its id), retried with backoff
    /// while the server cannot be reached, for up to `TAWSIM_TEAM_RETRY_SECS` (default 60)
    /// seconds. An attempt whose commit may have reached the server is looked up by its id
    /// before it is tried again, so an edit is never written twice.
    fn write(
        &mut self,
        mut body: impl FnMut(&mut Transaction<'_>) -> Result<(), TxError>,
    ) -> Result<(), StoreError> {
        let (op, mut maybe_sent) = self.next_op.take().unwrap_or_else(|| (op_id(), false));
        let q = self.q.clone();
        let window = std::env::var("TAWSIM_TEAM_RETRY_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(60);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(window);
        let mut wait = std::time::Duration::from_millis(100);
        loop {
            let client = self.client.get_mut();
            match attempt(client, &q, &op, maybe_sent, &mut body) {
                Ok(()) => {
                    if maybe_sent && let Some(hook) = self.on_retry.as_mut() {
                        hook(None);
                    }
                    return Ok(());
                }
                Err(TxError::Refused(message)) => {
                    return Err(StoreError::Invalid {
                        path: self.path.clone(),
                        message,
                    });
                }
                Err(TxError::Db(e)) if !connection_lost(&e) => return Err(pg(&self.path)(e)),
                Err(TxError::Db(e)) => {
                    maybe_sent = true;
                    if let Some(hook) = self.on_retry.as_mut() {
                        hook(Some(&format!(
                            "not saved: server unreachable ({})",
                            describe(&e)
                        )));
                    } else if std::time::Instant::now() >= deadline {
                        return Err(StoreError::Invalid {
                            path: self.path.clone(),
                            message: format!(
                                "not saved: server unreachable for {window} s ({}); the edit is kept and tried again",
                                describe(&e)
                            ),
                        });
                    }
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(std::time::Duration::from_secs(2));
                    if let Ok(fresh) = self.location.connect() {
                        *self.client.get_mut() = fresh;
                    }
                }
            }
        }
    }

    fn err(&self) -> impl Fn(postgres::Error) -> StoreError + '_ {
        pg(&self.path)
    }

    fn invalid(&self, message: String) -> StoreError {
        StoreError::Invalid {
            path: self.path.clone(),
            message,
        }
    }

    fn load_me(&self) -> Result<Me, StoreError> {
        let q = &self.q;
        let row = self
            .db()
            .query_one(
                &format!(
                    "SELECT current_user::text, a.id, a.role FROM (SELECT 1) x
                     LEFT JOIN {q}.annotators a ON a.name = current_user"
                ),
                &[],
            )
            .map_err(self.err())?;
        let name: String = row.get(0);
        let id: Option<i64> = row.get(1);
        let role: Option<String> = row.get(2);
        Ok(Me {
            id: id.map(AnnotatorId),
            name,
            role: role.as_deref().and_then(Role::parse).unwrap_or_default(),
        })
    }

    fn load_labels(&self) -> Result<LabelSet, StoreError> {
        let rows = self
            .db()
            .query(
                &format!(
                    "SELECT id, name, color, hotkey, description, enabled, {} FROM {}.labels ORDER BY position, id",
                    if self.version >= 4 {
                        "kind, options"
                    } else {
                        "'span', '{}'"
                    },
                    self.q
                ),
                &[],
            )
            .map_err(self.err())?;
        let labels = rows
            .iter()
            .map(|r| {
                let id: i32 = r.get(0);
                let color: String = r.get(2);
                let hotkey: Option<String> = r.get(3);
                Label {
                    id: LabelId(u32::try_from(id).unwrap_or(0)),
                    name: r.get(1),
                    color: parse_hex(&color).unwrap_or([200, 200, 200]),
                    hotkey: hotkey.and_then(|h| h.chars().next()),
                    description: r.get(4),
                    enabled: r.get(5),
                    kind: LabelKind::parse(r.get(6)).unwrap_or_default(),
                    options: LabelOptions::from_json(r.get(7)),
                }
            })
            .collect();
        Ok(LabelSet::from_labels(labels))
    }

    fn load_settings(&self) -> Result<(ProjectSettings, i64), StoreError> {
        let rows = self
            .db()
            .query(&format!("SELECT key, value FROM {}.meta", self.q), &[])
            .map_err(self.err())?;
        let map: HashMap<String, String> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        let s = super::rows::settings_from(|k| map.get(k).cloned());
        let v = map
            .get("shared_version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        Ok((s, v))
    }

    fn write_settings(
        tx: &mut Transaction<'_>,
        q: &str,
        s: ProjectSettings,
    ) -> Result<(), postgres::Error> {
        let st = tx.prepare(&format!(
            "INSERT INTO {q}.meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        ))?;
        for (k, v) in super::rows::settings_pairs(s) {
            tx.execute(&st, &[&k, &v])?;
        }
        Ok(())
    }

    /// Writes the label set; `kinds`: the project has label kinds (schema 4).
    fn write_labels(
        tx: &mut Transaction<'_>,
        q: &str,
        set: &LabelSet,
        kinds: bool,
    ) -> Result<(), postgres::Error> {
        // Rename through temporary names so swapping two names never trips UNIQUE.
        tx.execute(&format!("UPDATE {q}.labels SET name = chr(1) || id"), &[])?;
        let up = tx.prepare(&format!(
            "INSERT INTO {q}.labels (id, name, color, hotkey, description, enabled, position)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, color = excluded.color,
               hotkey = excluded.hotkey, description = excluded.description,
               enabled = excluded.enabled, position = excluded.position"
        ))?;
        for (pos, l) in set.iter().enumerate() {
            let id = i32::try_from(l.id.0).unwrap_or(i32::MAX);
            let hotkey = l.hotkey.map(String::from);
            let pos = i32::try_from(pos).unwrap_or(i32::MAX);
            tx.execute(
                &up,
                &[
                    &id,
                    &l.name,
                    &hex(l.color),
                    &hotkey,
                    &l.description,
                    &l.enabled,
                    &pos,
                ],
            )?;
            if kinds {
                tx.execute(
                    &format!("UPDATE {q}.labels SET kind = $2, options = $3 WHERE id = $1"),
                    &[&id, &l.kind.as_str(), &l.options.to_json()],
                )?;
            }
        }
        let keep: Vec<i32> = set
            .iter()
            .map(|l| i32::try_from(l.id.0).unwrap_or(i32::MAX))
            .collect();
        tx.execute(
            &format!("DELETE FROM {q}.labels WHERE NOT (id = ANY($1))"),
            &[&keep],
        )?;
        Ok(())
    }

    /// Takes the next version of labels and settings inside `tx`, refusing when someone
    /// else changed them since this handle read them.
    fn bump_shared(&self, tx: &mut Transaction<'_>) -> Result<i64, StoreError> {
        let q = &self.q;
        let seen = self.shared_version.to_string();
        let next = (self.shared_version + 1).to_string();
        let n = tx
            .execute(
                &format!(
                    "UPDATE {q}.meta SET value = $2 WHERE key = 'shared_version' AND value = $1"
                ),
                &[&seen, &next],
            )
            .map_err(self.err())?;
        if n != 1 {
            return Err(self.invalid(
                "the labels or settings were changed by someone else since they were read here; nothing was written (reopen the project to see their change, then make yours again)".into(),
            ));
        }
        Ok(self.shared_version + 1)
    }

    /// Who this handle writes as: the role connected, or the curated layer while a manager
    /// curates.
    fn current_me(&self) -> Result<Me, StoreError> {
        let me = self.load_me()?;
        if !self.curating {
            return Ok(me);
        }
        if me.role != Role::Manager {
            return Err(self.invalid(format!(
                "{} is no longer a manager of this team project: only a manager curates",
                me.name
            )));
        }
        let id: Option<i64> = self
            .db()
            .query_opt(
                &format!("SELECT id FROM {}.annotators WHERE name = $1", self.q),
                &[&crate::curation::CURATED],
            )
            .map_err(self.err())?
            .map(|r| r.get(0));
        Ok(Me {
            id: id.map(AnnotatorId),
            name: crate::curation::CURATED.to_string(),
            role: Role::Manager,
        })
    }

    /// Reads and writes the curated layer from now on: a manager's right, on a project of
    /// schema 2 (whose row-level security lets managers write that layer).
    fn curate(&mut self) -> Result<(), StoreError> {
        if self.version < 2 {
            return Err(self.invalid(
                "this team project was made by an older tawsim and has no curated layer yet: open it once as the role that ran `tawsim team init` (its owner), which upgrades it".into(),
            ));
        }
        let role = self.load_me()?;
        if role.role != Role::Manager {
            return Err(self.invalid(format!(
                "only a manager curates a team project (writes its curated layer); {} is an annotator",
                role.name
            )));
        }
        self.curating = true;
        match self.current_me() {
            Ok(me) => {
                self.me = me;
                Ok(())
            }
            Err(e) => {
                self.curating = false;
                Err(e)
            }
        }
    }

    fn ensure_me(&mut self) -> Result<i64, StoreError> {
        if let Some(id) = self.me.id {
            return Ok(id.0);
        }
        if self.curating {
            // The curated layer's annotator is made the first time a manager writes it.
            let q = self.q.clone();
            let id: i64 = self
                .db()
                .query_one(
                    &format!(
                        "INSERT INTO {q}.annotators (name, role) VALUES ($1, 'annotator')
                         ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id"
                    ),
                    &[&crate::curation::CURATED],
                )
                .map_err(self.err())?
                .get(0);
            self.me.id = Some(AnnotatorId(id));
            return Ok(id);
        }
        // Someone may have added this role since it was opened.
        self.me = self.load_me()?;
        self.me.id.map(|a| a.0).ok_or_else(|| {
            self.invalid(format!(
                "{} is not an annotator of this team project; a manager adds them with `tawsim team add-annotator`",
                self.me.name
            ))
        })
    }

    fn status_of(&self, id: DocId, layer: i64) -> Result<DocStatus, StoreError> {
        let q = &self.q;
        let row = self
            .db()
            .query_opt(
                &format!(
                    "SELECT COALESCE((SELECT status FROM {q}.layer_status
                                      WHERE doc_id = $1 AND annotator_id = $2), 'new')
                     FROM {q}.documents WHERE id = $1"
                ),
                &[&id.0, &layer],
            )
            .map_err(self.err())?;
        let Some(row) = row else {
            return Err(StoreError::NoDocument {
                path: self.path.clone(),
                id: id.0,
            });
        };
        let s: String = row.get(0);
        Ok(DocStatus::parse(&s).unwrap_or_default())
    }

    fn layer_documents(&self, layer: i64) -> Result<Vec<DocSummary>, StoreError> {
        let q = &self.q;
        let rows = self
            .db()
            .query(
                &format!(
                    "SELECT d.id, d.name, COALESCE(t.status, 'new'), d.char_len, COALESCE(s.n, 0), {}
                     LEFT JOIN {q}.layer_status t ON t.doc_id = d.id AND t.annotator_id = $1
                     LEFT JOIN (SELECT doc_id, COUNT(*) AS n FROM {q}.layer_spans
                                WHERE annotator_id = $1 GROUP BY doc_id) s ON s.doc_id = d.id
                     ORDER BY d.id",
                    // Document labels came with schema 4.
                    if self.version >= 4 {
                        format!(
                            "COALESCE(g.labels, ARRAY[]::integer[])
                             FROM {q}.documents d
                             LEFT JOIN (SELECT doc_id, array_agg(label_id ORDER BY label_id) AS labels
                                        FROM {q}.layer_doc_labels WHERE annotator_id = $1
                                        GROUP BY doc_id) g ON g.doc_id = d.id"
                        )
                    } else {
                        format!("ARRAY[]::integer[] FROM {q}.documents d")
                    }
                ),
                &[&layer],
            )
            .map_err(self.err())?;
        Ok(rows
            .iter()
            .map(|r| {
                let status: String = r.get(2);
                DocSummary {
                    id: DocId(r.get(0)),
                    name: r.get(1),
                    status: DocStatus::parse(&status).unwrap_or_default(),
                    chars: usize::try_from(r.get::<_, i64>(3)).unwrap_or(0),
                    spans: usize::try_from(r.get::<_, i64>(4)).unwrap_or(0),
                    doc_labels: r
                        .get::<_, Vec<i32>>(5)
                        .into_iter()
                        .filter_map(|l| u32::try_from(l).ok().map(LabelId))
                        .collect(),
                }
            })
            .collect())
    }

    fn layer_annotations(&self, id: DocId, layer: i64) -> Result<Annotations, StoreError> {
        let status = self.status_of(id, layer)?;
        let (relations, doc_labels) = self.layer_extras(id, layer)?;
        let rows = self
            .db()
            .query(
                &format!(
                    "SELECT start, \"end\", label_id FROM {}.layer_spans WHERE doc_id = $1 AND annotator_id = $2",
                    self.q
                ),
                &[&id.0, &layer],
            )
            .map_err(self.err())?;
        let spans = rows
            .iter()
            .filter_map(|r| {
                let (s, e, l): (i64, i64, i32) = (r.get(0), r.get(1), r.get(2));
                Span::new(
                    usize::try_from(s).ok()?,
                    usize::try_from(e).ok()?,
                    LabelId(u32::try_from(l).ok()?),
                )
            })
            .collect();
        Ok(Annotations {
            spans: SpanSet::from_unchecked(spans),
            status,
            rejected: self.layer_rejections(id, layer)?,
            relations,
            doc_labels,
        })
    }

    fn document_with(&self, id: DocId, status: DocStatus) -> Result<Document, StoreError> {
        let row = self
            .db()
            .query_opt(
                &format!(
                    "SELECT name, text, meta FROM {}.documents WHERE id = $1",
                    self.q
                ),
                &[&id.0],
            )
            .map_err(self.err())?
            .ok_or(StoreError::NoDocument {
                path: self.path.clone(),
                id: id.0,
            })?;
        let meta: String = row.get(2);
        Ok(Document {
            id,
            name: row.get(0),
            text: row.get(1),
            meta: serde_json::from_str(&meta).unwrap_or_default(),
            status,
        })
    }

    /// The documents of `layer` (with its status, when given), one at a time with their id.
    fn export_docs_of(
        &self,
        layer: i64,
        status: Option<DocStatus>,
    ) -> Result<impl Iterator<Item = Result<(DocId, AnnotatedDocument), StoreError>> + '_, StoreError>
    {
        let ids: Vec<DocId> = self
            .layer_documents(layer)?
            .into_iter()
            .filter(|d| status.is_none_or(|s| d.status == s))
            .map(|d| d.id)
            .collect();
        Ok(ids
            .into_iter()
            .map(move |id| Ok((id, self.annotated_layer(id, layer)?))))
    }

    fn annotated_layer(&self, id: DocId, layer: i64) -> Result<AnnotatedDocument, StoreError> {
        let ann = self.layer_annotations(id, layer)?;
        let doc = self.document_with(id, ann.status)?;
        let mut out = super::rows::annotated(doc, &ann, &self.labels);
        if self.version >= 2 {
            out.active_seconds = self
                .db()
                .query_opt(
                    &format!(
                        "SELECT seconds FROM {}.layer_time WHERE doc_id = $1 AND annotator_id = $2",
                        self.q
                    ),
                    &[&id.0, &layer],
                )
                .map_err(self.err())?
                .map(|r| r.get(0));
        }
        Ok(out)
    }

    /// The SQL of an edit; `v4`: the project keeps relations and document labels.
    fn apply_sql(
        tx: &mut Transaction<'_>,
        q: &str,
        doc: DocId,
        layer: i64,
        edit: &Edit,
        v4: bool,
    ) -> Result<(), TxError> {
        if v4 {
            Self::extras_sql(tx, q, doc, layer, edit)?;
        }
        match edit {
            Edit::AddRelation { .. }
            | Edit::RemoveRelation { .. }
            | Edit::AddDocLabel { .. }
            | Edit::RemoveDocLabel { .. } => {
                if !v4 {
                    return Err(TxError::Refused(NO_RELATIONS.into()));
                }
            }
            Edit::Reject { span } => suggestions::reject_sql(tx, q, doc, layer, span, true)?,
            Edit::Unreject { span } => suggestions::reject_sql(tx, q, doc, layer, span, false)?,
            Edit::AddSpan { span } => {
                let (s, en, l) = (span.start as i64, span.end as i64, span.label.0 as i32);
                tx.execute(
                    &format!(
                        "INSERT INTO {q}.layer_spans (doc_id, annotator_id, start, \"end\", label_id)
                         VALUES ($1, $2, $3, $4, $5)"
                    ),
                    &[&doc.0, &layer, &s, &en, &l],
                )?;
            }
            Edit::RemoveSpan { span } => {
                let (s, en, l) = (span.start as i64, span.end as i64, span.label.0 as i32);
                let n = tx.execute(
                    &format!(
                        "DELETE FROM {q}.layer_spans WHERE doc_id = $1 AND annotator_id = $2
                             AND start = $3 AND \"end\" = $4 AND label_id = $5"
                    ),
                    &[&doc.0, &layer, &s, &en, &l],
                )?;
                if n != 1 {
                    return Err(TxError::Refused(format!(
                        "span {span} is not in document {doc}"
                    )));
                }
            }
            Edit::ReplaceSpan { from, to } => {
                // (Its relations were moved to `to` above.)
                Self::apply_sql(tx, q, doc, layer, &Edit::RemoveSpan { span: *from }, v4)?;
                Self::apply_sql(tx, q, doc, layer, &Edit::AddSpan { span: *to }, v4)?;
            }
            Edit::SetStatus { from, to } => {
                let now: Option<String> = tx
                    .query_opt(
                        &format!(
                            "SELECT COALESCE((SELECT status FROM {q}.layer_status
                                              WHERE doc_id = $1 AND annotator_id = $2), 'new')
                             FROM {q}.documents WHERE id = $1"
                        ),
                        &[&doc.0, &layer],
                    )?
                    .map(|r| r.get(0));
                if now.as_deref() != Some(from.as_str()) {
                    return Err(TxError::Refused(format!(
                        "document {doc} does not exist or its status is not {}",
                        from.as_str()
                    )));
                }
                tx.execute(
                    &format!(
                        "INSERT INTO {q}.layer_status (doc_id, annotator_id, status) VALUES ($1, $2, $3)
                         ON CONFLICT (doc_id, annotator_id) DO UPDATE SET status = excluded.status"
                    ),
                    &[&doc.0, &layer, &to.as_str()],
                )?;
                // Done: the document's lease (if this annotator holds it) is given back.
                if *to == DocStatus::Done {
                    tx.execute(
                        &format!("DELETE FROM {q}.leases WHERE doc_id = $1 AND annotator_id = $2"),
                        &[&doc.0, &layer],
                    )?;
                }
            }
            Edit::Batch { edits } => {
                for x in edits {
                    Self::apply_sql(tx, q, doc, layer, x, v4)?;
                }
            }
        }
        Ok(())
    }

    fn step_history(&mut self, doc: DocId, forward: bool, expect: &Edit) -> Result<(), StoreError> {
        let v4 = self.version >= 4;
        let q = self.q.clone();
        let layer = self.me.layer();
        let query = if forward {
            format!(
                "SELECT seq, edit FROM {q}.layer_history WHERE doc_id = $1 AND annotator_id = $2
                 AND undone ORDER BY seq ASC LIMIT 1 FOR UPDATE"
            )
        } else {
            format!(
                "SELECT seq, edit FROM {q}.layer_history WHERE doc_id = $1 AND annotator_id = $2
                 AND NOT undone ORDER BY seq DESC LIMIT 1 FOR UPDATE"
            )
        };
        self.write(|tx| {
            let row = tx.query_opt(&query, &[&doc.0, &layer])?;
            let Some(row) = row else {
                return Err(TxError::Refused(format!(
                    "the history of document {} in the team project has nothing to {}, but the window did",
                    doc.0,
                    if forward { "redo" } else { "undo" }
                )));
            };
            let seq: i64 = row.get(0);
            let json: String = row.get(1);
            let stored: Edit =
                serde_json::from_str(&json).map_err(|x| TxError::Refused(x.to_string()))?;
            let edit = if forward { stored } else { stored.inverse() };
            if *expect != edit {
                return Err(TxError::Refused(format!(
                    "the history of document {} in the team project does not match the window's (step {seq}): nothing was changed",
                    doc.0
                )));
            }
            Self::apply_sql(tx, &q, doc, layer, &edit, v4)?;
            tx.execute(
                &format!(
                    "UPDATE {q}.layer_history SET undone = $4 WHERE doc_id = $1 AND annotator_id = $2 AND seq = $3"
                ),
                &[&doc.0, &layer, &seq, &!forward],
            )?;
            Ok(())
        })
    }

    /// Counts of documents, spans per label and statuses (this annotator's layer), and
    /// every layer this role may read.
    pub fn stats(&self) -> Result<ProjectStats, StoreError> {
        self.stats_of(&self.documents()?)
    }

    /// [`PgProject::stats`] from this annotator's document list, already read.
    pub fn stats_of(&self, docs: &[DocSummary]) -> Result<ProjectStats, StoreError> {
        let mut by_status: BTreeMap<&'static str, usize> =
            DocStatus::ALL.iter().map(|s| (s.as_str(), 0)).collect();
        for d in docs {
            *by_status.entry(d.status.as_str()).or_insert(0) += 1;
        }
        let q = &self.q;
        let counts: HashMap<i32, i64> = self
            .db()
            .query(
                &if self.version >= 4 {
                    format!(
                        "SELECT label_id, COUNT(*) FROM (
                           SELECT label_id FROM {q}.layer_spans WHERE annotator_id = $1
                           UNION ALL SELECT label_id FROM {q}.layer_relations WHERE annotator_id = $1
                           UNION ALL SELECT label_id FROM {q}.layer_doc_labels WHERE annotator_id = $1
                         ) x GROUP BY label_id"
                    )
                } else {
                    format!(
                        "SELECT label_id, COUNT(*) FROM {q}.layer_spans WHERE annotator_id = $1 GROUP BY label_id"
                    )
                },
                &[&self.me.layer()],
            )
            .map_err(self.err())?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let by_label = self
            .labels
            .iter()
            .map(|l| {
                let n = counts.get(&(l.id.0 as i32)).copied().unwrap_or(0);
                (l.name.clone(), usize::try_from(n).unwrap_or(0))
            })
            .collect();
        let mut layers = Vec::new();
        // Time records came with schema 2.
        let time = if self.version >= 2 {
            format!(
                ",\n (SELECT COALESCE(SUM(seconds), 0) FROM {q}.layer_time WHERE annotator_id = $1)"
            )
        } else {
            ",\n 0::double precision".to_string()
        };
        for a in self.annotators()? {
            if !self.may_view(a.id) {
                continue;
            }
            let row = self
                .db()
                .query_one(
                    &format!(
                        "SELECT (SELECT COUNT(*) FROM {q}.layer_spans WHERE annotator_id = $1),
                                (SELECT COUNT(*) FROM {q}.layer_status WHERE annotator_id = $1 AND status = 'done'),
                                (SELECT COUNT(*) FROM {q}.layer_status WHERE annotator_id = $1 AND status = 'in_progress'),
                                (SELECT COUNT(*) FROM {q}.assignments WHERE annotator_id = $1),
                                (SELECT COUNT(*) FROM {q}.assignments a JOIN {q}.layer_status t
                                   ON t.doc_id = a.doc_id AND t.annotator_id = a.annotator_id
                                 WHERE a.annotator_id = $1 AND t.status = 'done'){time}"
                    ),
                    &[&a.id.0],
                )
                .map_err(self.err())?;
            layers.push(LayerStats {
                annotator: a,
                spans: usize::try_from(row.get::<_, i64>(0)).unwrap_or(0),
                done: usize::try_from(row.get::<_, i64>(1)).unwrap_or(0),
                in_progress: usize::try_from(row.get::<_, i64>(2)).unwrap_or(0),
                assigned: usize::try_from(row.get::<_, i64>(3)).unwrap_or(0),
                assigned_done: usize::try_from(row.get::<_, i64>(4)).unwrap_or(0),
                active_seconds: row.get(5),
            });
        }
        Ok(ProjectStats {
            documents: docs.len(),
            spans: docs.iter().map(|d| d.spans).sum(),
            by_status,
            by_label,
            layers,
        })
    }

    /// Uploads a local project into this (new, empty) team project: labels, settings,
    /// documents (keeping their ids), and every annotator's layer with its history. One
    /// transaction: all of it or nothing. Annotators the team project does not know become
    /// rows of it (their roles are made with `team add-annotator`). Returns the number of
    /// documents and spans pushed.
    pub fn push(&mut self, local: &Project) -> Result<(usize, usize), StoreError> {
        let q = self.q.clone();
        let path = self.path.clone();
        let e = pg(&path);
        let n: i64 = self
            .db()
            .query_one(&format!("SELECT COUNT(*) FROM {q}.documents"), &[])
            .map_err(&e)?
            .get(0);
        if n > 0 {
            return Err(self.invalid(format!(
                "the team project already holds {n} documents; push into a new one (tawsim team init)"
            )));
        }
        let labels = local.labels().clone();
        let settings = local.settings();
        let rows = local.layer_rows()?;
        let index = self.version >= 3;
        if self.version < 3 && !(rows.sources.is_empty() && rows.rejections.is_empty()) {
            self.keeps_suggestions()?;
        }
        let mut client = self.db();
        let mut tx = client.transaction().map_err(&e)?;
        Self::write_labels(&mut tx, &q, &labels, self.version >= 4).map_err(&e)?;
        Self::write_settings(&mut tx, &q, settings).map_err(&e)?;
        tx.execute(
            &format!(
                "UPDATE {q}.meta SET value = (value::bigint + 1)::text WHERE key = 'shared_version'"
            ),
            &[],
        )
        .map_err(&e)?;
        let mut ids: HashMap<i64, i64> = HashMap::new();
        let add_a = tx
            .prepare(&format!(
                "INSERT INTO {q}.annotators (name, role) VALUES ($1, $2)
                 ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id"
            ))
            .map_err(&e)?;
        for a in local.annotators()? {
            let id: i64 = tx
                .query_one(&add_a, &[&a.name, &a.role.as_str()])
                .map_err(&e)?
                .get(0);
            ids.insert(a.id.0, id);
        }
        let add_d = tx
            .prepare(&format!(
                "INSERT INTO {q}.documents (id, name, text, meta, char_len) VALUES ($1, $2, $3, $4, $5)"
            ))
            .map_err(&e)?;
        let mut docs = 0;
        local.for_each_document(|id, name, text| {
            let meta =
                serde_json::to_string(&local.document(id)?.meta).unwrap_or_else(|_| "{}".into());
            let chars = text.chars().count() as i64;
            tx.execute(&add_d, &[&id.0, &name, &text, &meta, &chars])
                .map_err(&e)?;
            if index {
                text_index::add_row(&mut tx, &q, id, text).map_err(&e)?;
            }
            docs += 1;
            Ok(true)
        })?;
        tx.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{s}.documents', 'id'), GREATEST((SELECT MAX(id) FROM {q}.documents), 1))",
                s = q.replace('\'', "''")
            ),
            &[],
        )
        .map_err(&e)?;
        let layer = |a: i64| ids.get(&a).copied().unwrap_or(-1);
        let add_s = tx
            .prepare(&format!(
                "INSERT INTO {q}.layer_spans (doc_id, annotator_id, start, \"end\", label_id) VALUES ($1, $2, $3, $4, $5)"
            ))
            .map_err(&e)?;
        for (d, a, s, en, l) in &rows.spans {
            tx.execute(&add_s, &[d, &layer(*a), s, en, &(*l as i32)])
                .map_err(&e)?;
        }
        let add_t = tx
            .prepare(&format!(
                "INSERT INTO {q}.layer_status (doc_id, annotator_id, status) VALUES ($1, $2, $3)"
            ))
            .map_err(&e)?;
        for (d, a, st) in &rows.statuses {
            tx.execute(&add_t, &[d, &layer(*a), st]).map_err(&e)?;
        }
        let add_h = tx
            .prepare(&format!(
                "INSERT INTO {q}.layer_history (doc_id, annotator_id, seq, edit, undone) VALUES ($1, $2, $3, $4, $5)"
            ))
            .map_err(&e)?;
        for (d, a, seq, edit, undone) in &rows.history {
            tx.execute(&add_h, &[d, &layer(*a), seq, edit, undone])
                .map_err(&e)?;
        }
        let add_time = tx
            .prepare(&format!(
                "INSERT INTO {q}.layer_time (doc_id, annotator_id, seconds) VALUES ($1, $2, $3)"
            ))
            .map_err(&e)?;
        for (d, a, secs) in &rows.times {
            tx.execute(&add_time, &[d, &layer(*a), secs]).map_err(&e)?;
        }
        Self::push_suggestions(&mut tx, &q, &rows, &layer).map_err(&e)?;
        if self.version >= 4 {
            Self::push_extras(&mut tx, &q, &rows, &layer).map_err(&e)?;
        } else if !(rows.relations.is_empty() && rows.doc_labels.is_empty()) {
            return Err(self.invalid(NO_RELATIONS.into()));
        }
        tx.commit().map_err(&e)?;
        drop(client);
        self.reload()?;
        Ok((docs, rows.spans.len()))
    }
}

/// Why a write transaction did not commit.
enum TxError {
    Db(postgres::Error),
    /// Refused by tawsim's own checks (the edit does not fit the stored state).
    Refused(String),
}

impl TxError {
    /// What went wrong, in words.
    fn message(self) -> String {
        match self {
            TxError::Db(e) => describe(&e),
            TxError::Refused(message) => message,
        }
    }
}

impl From<postgres::Error> for TxError {
    fn from(e: postgres::Error) -> Self {
        TxError::Db(e)
    }
}

/// One try of a write: skipped when an earlier try that may have been cut off did commit.
fn attempt(
    client: &mut Client,
    q: &str,
    op: &str,
    maybe_sent: bool,
    body: &mut impl FnMut(&mut Transaction<'_>) -> Result<(), TxError>,
) -> Result<(), TxError> {
    if maybe_sent
        && client
            .query_opt(
                &format!("SELECT 1 FROM {q}.applied_ops WHERE op_id = $1"),
                &[&op],
            )?
            .is_some()
    {
        return Ok(());
    }
    let mut tx = client.transaction()?;
    body(&mut tx)?;
    tx.execute(
        &format!(
            "INSERT INTO {q}.applied_ops (op_id, annotator_id) VALUES ($1, (SELECT {q}.my_id()))"
        ),
        &[&op],
    )?;
    tx.commit()?;
    Ok(())
}

/// Whether an error means the connection to the server was lost (so the write may be
/// retried), not that the server refused it.
fn connection_lost(e: &postgres::Error) -> bool {
    match e.as_db_error() {
        Some(db) => {
            let code = db.code().code();
            code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
        }
        None => true,
    }
}

/// A new id for one write: unique across processes and machines in practice (the OS's
/// random source, with the process id and the time as a fallback).
fn op_id() -> String {
    use std::io::Read;
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut bytes = [0u8; 16];
    let random = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok();
    if random {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    } else {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        format!(
            "{}-{t}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        )
    }
}

/// Every layer row of a local project, for `team push`.
#[derive(Debug, Default)]
pub struct LayerRows {
    /// `(doc, annotator, start, end, label)`.
    pub spans: Vec<(i64, i64, i64, i64, u32)>,
    /// `(doc, annotator, status)`.
    pub statuses: Vec<(i64, i64, String)>,
    /// `(doc, annotator, seq, edit json, undone)`.
    pub history: Vec<(i64, i64, i64, String, bool)>,
    /// `(doc, annotator, seconds)`: active annotation time.
    pub times: Vec<(i64, i64, f64)>,
    /// `(doc, annotator, start, end, label)`: suggestions each annotator rejected.
    pub rejections: Vec<(i64, i64, i64, i64, u32)>,
    /// `(doc, annotator, [from start, from end, from label, to start, to end, to label,
    /// type])`: relations.
    pub relations: Vec<(i64, i64, [i64; 7])>,
    /// `(doc, annotator, label)`: document labels.
    pub doc_labels: Vec<(i64, i64, u32)>,
    /// `(id, name, kind, origin)`: suggestion sources.
    pub sources: Vec<(i64, String, String, String)>,
    /// `(doc, source, start, end, label, score)`.
    pub suggestions: Vec<(i64, i64, i64, i64, u32, Option<f64>)>,
}

/// Where an import into a team project puts its documents.
struct PgSink<'a, 't> {
    tx: &'a mut Transaction<'t>,
    q: &'a str,
    path: &'a Path,
    labels: &'a mut LabelSet,
    labels_changed: bool,
    policy: OverlapPolicy,
    layer: i64,
    annotator: &'a str,
    /// The project's documents by a hash of their text, each joined at most once; a hash
    /// that matches is checked against the stored text.
    same_text: Option<SameText>,
    joined: usize,
    /// The project keeps time records (schema 2).
    times: bool,
    /// The project keeps a search index (schema 3): each new document gets its row.
    index: bool,
    /// The project keeps label kinds, relations and document labels (schema 4).
    kinds: bool,
    /// Rows waiting to be sent.
    batch: batch::Batch,
    /// The documents the importing annotator's layer has spans or a status in, sorted (read
    /// with the project's texts, when the import starts joining).
    annotated: Vec<i64>,
}

impl PgSink<'_, '_> {
    /// Sends the rows waiting.
    fn send(&mut self) -> Result<(), StoreError> {
        self.batch
            .send(self.tx, self.q, self.layer)
            .map_err(pg(self.path))
    }
}

impl DocumentSink for PgSink<'_, '_> {
    fn add(&mut self, doc: AnnotatedDocument) -> Result<DocId, StoreError> {
        let path = self.path;
        let invalid = |message: String| StoreError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let extras = !(doc.relations.is_empty() && doc.doc_labels.is_empty());
        if extras && !self.kinds {
            return Err(invalid(format!("{}: {NO_RELATIONS}", doc.name)));
        }
        let before = self.labels.len();
        let (set, text_len) = super::rows::checked_spans(path, &doc, self.labels, self.policy)?;
        let extras = super::rows::checked_extras(path, &doc, self.labels)?;
        let q = self.q;
        if self.labels.len() != before {
            PgProject::write_labels(self.tx, q, self.labels, self.kinds).map_err(pg(path))?;
            self.labels_changed = true;
        }
        // The project's first document with this text that this import has not joined.
        let same = self.same_text.as_mut().and_then(|m| m.take(&doc.text));
        let id = if let Some(id) = same {
            if self.annotated.binary_search(&id.0).is_ok() {
                return Err(invalid(format!(
                    "{}: the project already holds this text (document {}) with {}'s annotations; import into another annotator's layer, or delete them first",
                    doc.name, id.0, self.annotator
                )));
            }
            self.joined += 1;
            id
        } else {
            let meta = serde_json::to_string(&doc.meta).unwrap_or_else(|_| "{}".into());
            let id = self
                .batch
                .new_id(self.tx, q)
                .map_err(pg(path))?
                .ok_or_else(|| invalid("the server gave no id for a new document".into()))?;
            let norm = self
                .index
                .then(|| crate::store::text_index::normalised(&doc.text));
            let new = batch::NewDoc {
                name: doc.name,
                text: doc.text,
                meta,
                chars: text_len as i64,
                norm,
            };
            self.batch.document(id, new);
            DocId(id)
        };
        if doc.status != DocStatus::New {
            self.batch.status(id.0, doc.status.as_str());
        }
        if self.times
            && let Some(t) = doc.active_seconds.filter(|t| t.is_finite() && *t > 0.0)
        {
            self.batch.time(id.0, t);
        }
        for s in set.iter() {
            let (start, end) = (s.start as i64, s.end as i64);
            self.batch.span(id.0, start, end, s.label.0 as i32);
        }
        if !extras.is_empty() || self.batch.full() {
            // Relations and document labels refer to the spans: those go first.
            self.send()?;
        }
        for e in &extras {
            PgProject::extras_sql(self.tx, q, id, self.layer, e)
                .map_err(|e| invalid(e.message()))?;
        }
        Ok(id)
    }

    fn join_same_text(&mut self) -> Result<(), StoreError> {
        if self.same_text.is_some() {
            return Ok(());
        }
        // Documents this import added before count as the project's: they go to the
        // server first.
        self.send()?;
        use postgres::fallible_iterator::FallibleIterator;
        // Streamed: each text is hashed as it arrives, none is kept.
        let mut rows = self
            .tx
            .query_raw(
                &format!("SELECT id, text FROM {}.documents", self.q),
                std::iter::empty::<i64>(),
            )
            .map_err(pg(self.path))?;
        let mut docs = Vec::new();
        while let Some(r) = rows.next().map_err(pg(self.path))? {
            docs.push((SameText::hash(r.get::<_, &str>(1)), DocId(r.get(0))));
        }
        drop(rows);
        self.same_text = Some(SameText::new(docs));
        let q = self.q;
        let mut annotated: Vec<i64> = self
            .tx
            .query(
                &format!(
                    "SELECT doc_id FROM {q}.layer_spans WHERE annotator_id = $1
                     UNION SELECT doc_id FROM {q}.layer_status WHERE annotator_id = $1"
                ),
                &[&self.layer],
            )
            .map_err(pg(self.path))?
            .iter()
            .map(|r| r.get(0))
            .collect();
        annotated.sort_unstable();
        self.annotated = annotated;
        Ok(())
    }

    fn joined(&self) -> usize {
        self.joined
    }
}

impl Store for PgProject {
    fn path(&self) -> &Path {
        &self.path
    }

    fn worker(&self) -> Result<Self, StoreError> {
        PgProject::open(&self.location)
    }

    fn reload(&mut self) -> Result<(), StoreError> {
        self.me = self.current_me()?;
        self.labels = self.load_labels()?;
        let (s, v) = self.load_settings()?;
        self.settings = s;
        self.shared_version = v;
        Ok(())
    }

    fn annotator(&self) -> (Option<AnnotatorId>, &str, Role) {
        (self.me.id, &self.me.name, self.me.role)
    }

    fn set_annotator(&mut self, name: &str) -> Result<(), StoreError> {
        let name = name.trim();
        if crate::curation::is_curated_name(name) {
            return self.curate();
        }
        let role = self.load_me()?;
        if name == role.name {
            self.curating = false;
            self.me = role;
            return Ok(());
        }
        Err(self.invalid(format!(
            "on a team project you annotate as the role you connect as ({}), not as {name}",
            role.name,
        )))
    }

    fn annotators(&self) -> Result<Vec<Annotator>, StoreError> {
        let rows = self
            .db()
            .query(
                &format!(
                    "SELECT id, name, role FROM {}.annotators ORDER BY id",
                    self.q
                ),
                &[],
            )
            .map_err(self.err())?;
        Ok(rows
            .iter()
            .map(|r| {
                let role: String = r.get(2);
                Annotator {
                    id: AnnotatorId(r.get(0)),
                    name: r.get(1),
                    role: Role::parse(&role).unwrap_or_default(),
                }
            })
            .collect())
    }

    fn may_view(&self, layer: AnnotatorId) -> bool {
        crate::domain::annotator::may_view(
            self.me.id,
            self.me.role,
            self.settings.others_visible,
            layer,
        )
    }

    fn annotations_of(&self, id: DocId, layer: AnnotatorId) -> Result<Annotations, StoreError> {
        self.layer_annotations(id, layer.0)
    }

    fn settings(&self) -> ProjectSettings {
        self.settings
    }

    fn save_settings(&mut self, s: ProjectSettings) -> Result<(), StoreError> {
        let q = self.q.clone();
        let path = self.path.clone();
        let version = {
            let mut client = self.db();
            let mut tx = client.transaction().map_err(pg(&path))?;
            let v = self.bump_shared(&mut tx)?;
            Self::write_settings(&mut tx, &q, s).map_err(pg(&path))?;
            tx.commit().map_err(pg(&path))?;
            v
        };
        self.shared_version = version;
        self.settings = s;
        Ok(())
    }

    fn labels(&self) -> &LabelSet {
        &self.labels
    }

    fn save_labels(&mut self, set: &LabelSet) -> Result<(), StoreError> {
        let kinds = self.version >= 4;
        if !kinds && set.iter().any(|l| l.kind != LabelKind::Span) {
            return Err(self.invalid(NO_RELATIONS.into()));
        }
        for l in self.labels.iter() {
            if set.get(l.id).is_none() {
                let used = self.label_usage(l.id)?;
                if used > 0 {
                    return Err(self.invalid(format!(
                        "label {} is used by {used} spans; delete them first",
                        l.name
                    )));
                }
            }
        }
        let q = self.q.clone();
        let path = self.path.clone();
        let version = {
            let mut client = self.db();
            let mut tx = client.transaction().map_err(pg(&path))?;
            let v = self.bump_shared(&mut tx)?;
            Self::write_labels(&mut tx, &q, set, kinds).map_err(pg(&path))?;
            tx.commit().map_err(pg(&path))?;
            v
        };
        self.shared_version = version;
        self.labels = set.clone();
        Ok(())
    }

    fn label_usage(&self, id: LabelId) -> Result<usize, StoreError> {
        let n: i64 = self
            .db()
            .query_one(
                &if self.version >= 4 {
                    let q = &self.q;
                    format!(
                        "SELECT (SELECT COUNT(*) FROM {q}.layer_spans WHERE label_id = $1)
                           + (SELECT COUNT(*) FROM {q}.layer_relations WHERE label_id = $1)
                           + (SELECT COUNT(*) FROM {q}.layer_doc_labels WHERE label_id = $1)"
                    )
                } else {
                    format!(
                        "SELECT COUNT(*) FROM {}.layer_spans WHERE label_id = $1",
                        self.q
                    )
                },
                &[&(id.0 as i32)],
            )
            .map_err(self.err())?
            .get(0);
        Ok(usize::try_from(n).unwrap_or(0))
    }

    fn delete_label(&mut self, id: LabelId) -> Result<usize, StoreError> {
        let mut set = self.labels.clone();
        set.remove(id).map_err(|e| self.invalid(e.to_string()))?;
        let q = self.q.clone();
        let path = self.path.clone();
        let kinds = self.version >= 4;
        let (removed, version) = {
            let mut client = self.db();
            let mut tx = client.transaction().map_err(pg(&path))?;
            let v = self.bump_shared(&mut tx)?;
            let mut removed = 0;
            if kinds {
                // Relations of the type, or with an end of the label, go first.
                removed += tx
                    .execute(
                        &format!(
                            "DELETE FROM {q}.layer_relations WHERE $1 IN (label_id, from_label, to_label)"
                        ),
                        &[&(id.0 as i32)],
                    )
                    .map_err(pg(&path))?;
                tx.execute(
                    &format!("DELETE FROM {q}.layer_doc_labels WHERE label_id = $1"),
                    &[&(id.0 as i32)],
                )
                .map_err(pg(&path))?;
            }
            removed += tx
                .execute(
                    &format!("DELETE FROM {q}.layer_spans WHERE label_id = $1"),
                    &[&(id.0 as i32)],
                )
                .map_err(pg(&path))?;
            self.delete_label_suggestions(&mut tx, id)
                .map_err(pg(&path))?;
            let rows = tx
                .query(
                    &format!("SELECT doc_id, annotator_id, edit FROM {q}.layer_history"),
                    &[],
                )
                .map_err(pg(&path))?;
            let mut drop_docs = std::collections::BTreeSet::new();
            for r in rows {
                let json: String = r.get(2);
                let edit: Edit = serde_json::from_str(&json).map_err(|e| StoreError::Invalid {
                    path: path.clone(),
                    message: format!("an undo history entry does not decode: {e}"),
                })?;
                if edit.mentions_label(id) {
                    drop_docs.insert(r.get::<_, i64>(0));
                }
            }
            for d in drop_docs {
                tx.execute(
                    &format!("DELETE FROM {q}.layer_history WHERE doc_id = $1"),
                    &[&d],
                )
                .map_err(pg(&path))?;
            }
            Self::write_labels(&mut tx, &q, &set, kinds).map_err(pg(&path))?;
            tx.commit().map_err(pg(&path))?;
            (removed, v)
        };
        self.shared_version = version;
        self.labels = set;
        Ok(usize::try_from(removed).unwrap_or(0))
    }

    fn documents(&self) -> Result<Vec<DocSummary>, StoreError> {
        self.layer_documents(self.me.layer())
    }

    fn document(&self, id: DocId) -> Result<Document, StoreError> {
        let status = self.status_of(id, self.me.layer())?;
        self.document_with(id, status)
    }

    fn annotations(&self, id: DocId) -> Result<Annotations, StoreError> {
        self.layer_annotations(id, self.me.layer())
    }

    fn history(&self, id: DocId) -> Result<History, StoreError> {
        let rows = self
            .db()
            .query(
                &format!(
                    "SELECT edit, undone FROM {}.layer_history WHERE doc_id = $1 AND annotator_id = $2 ORDER BY seq",
                    self.q
                ),
                &[&id.0, &self.me.layer()],
            )
            .map_err(self.err())?;
        let steps = rows
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, bool>(1)));
        super::rows::history(&self.path, id, steps)
    }

    fn document_direction(&self, id: DocId) -> Result<String, StoreError> {
        let v: Option<String> = self
            .db()
            .query_opt(
                &format!("SELECT value FROM {}.meta WHERE key = $1", self.q),
                &[&format!("direction:{}", id.0)],
            )
            .map_err(self.err())?
            .map(|r| r.get(0));
        Ok(v.unwrap_or_else(|| "auto".into()))
    }

    fn set_document_direction(&mut self, id: DocId, direction: &str) -> Result<(), StoreError> {
        self.db()
            .execute(
                &format!(
                    "INSERT INTO {}.meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    self.q
                ),
                &[&format!("direction:{}", id.0), &direction],
            )
            .map(drop)
            .map_err(self.err())
    }

    fn delete_documents(&mut self, ids: &[DocId]) -> Result<usize, StoreError> {
        let v: Vec<i64> = ids.iter().map(|d| d.0).collect();
        let q = &self.q;
        let mut client = self.db();
        let mut tx = client.transaction().map_err(self.err())?;
        if self.version >= 3 {
            // Suggestions carry no foreign key (see the schema): they go explicitly.
            tx.execute(
                &format!("DELETE FROM {q}.suggestions WHERE doc_id = ANY($1)"),
                &[&v],
            )
            .map_err(self.err())?;
        }
        let n = tx
            .execute(
                &format!("DELETE FROM {q}.documents WHERE id = ANY($1)"),
                &[&v],
            )
            .map_err(self.err())?;
        tx.commit().map_err(self.err())?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    fn documents_with_label(&self, label: LabelId) -> Result<HashSet<DocId>, StoreError> {
        let rows = self
            .db()
            .query(
                &format!(
                    "SELECT DISTINCT doc_id FROM {q}.layer_spans WHERE label_id = $1 AND annotator_id = $2{}",
                    if self.version >= 4 {
                        format!(
                            " UNION SELECT doc_id FROM {q}.layer_relations WHERE label_id = $1 AND annotator_id = $2
                              UNION SELECT doc_id FROM {q}.layer_doc_labels WHERE label_id = $1 AND annotator_id = $2",
                            q = self.q
                        )
                    } else {
                        String::new()
                    },
                    q = self.q
                ),
                &[&(label.0 as i32), &self.me.layer()],
            )
            .map_err(self.err())?;
        Ok(rows.iter().map(|r| DocId(r.get(0))).collect())
    }

    fn entity_texts(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        let q = &self.q;
        let rows = self
            .db()
            .query(
                &format!(
                    "SELECT DISTINCT substr(d.text, (s.start + 1)::int, (s.\"end\" - s.start)::int)
                     FROM {q}.layer_spans s JOIN {q}.documents d ON d.id = s.doc_id LIMIT $1"
                ),
                &[&(limit as i64)],
            )
            .map_err(self.err())?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn for_each_document(
        &self,
        mut f: impl FnMut(DocId, &str, &str) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        // In pages by id, so a large project is never held in memory at once.
        let mut after = i64::MIN;
        loop {
            let rows = self
                .db()
                .query(
                    &format!(
                        "SELECT id, name, text FROM {}.documents WHERE id > $1 ORDER BY id LIMIT 200",
                        self.q
                    ),
                    &[&after],
                )
                .map_err(self.err())?;
            if rows.is_empty() {
                return Ok(());
            }
            for r in &rows {
                after = r.get(0);
                if !f(DocId(after), r.get(1), r.get(2))? {
                    return Ok(());
                }
            }
        }
    }

    /// Time records came with schema 2: on a project of schema 1 (not upgraded yet by its
    /// owner) the time is not kept.
    fn add_time(&mut self, doc: DocId, seconds: f64) -> Result<(), StoreError> {
        if self.version < 2 || !(seconds.is_finite() && seconds > 0.0) {
            return Ok(());
        }
        let layer = self.ensure_me()?;
        let q = self.q.clone();
        self.write(|tx| {
            tx.execute(
                &format!(
                    "INSERT INTO {q}.layer_time (doc_id, annotator_id, seconds) VALUES ($1, $2, $3)
                     ON CONFLICT (doc_id, annotator_id) DO UPDATE SET seconds = {q}.layer_time.seconds + excluded.seconds"
                ),
                &[&doc.0, &layer, &seconds],
            )?;
            Ok(())
        })
    }

    fn apply(&mut self, doc: DocId, edit: &Edit) -> Result<(), StoreError> {
        let v4 = self.version >= 4;
        let json = serde_json::to_string(edit).map_err(|e| self.invalid(e.to_string()))?;
        let layer = self.ensure_me()?;
        let q = self.q.clone();
        self.write(|tx| {
            Self::apply_sql(tx, &q, doc, layer, edit, v4)?;
            tx.execute(
                &format!(
                    "DELETE FROM {q}.layer_history WHERE doc_id = $1 AND annotator_id = $2 AND undone"
                ),
                &[&doc.0, &layer],
            )?;
            tx.execute(
                &format!(
                    "INSERT INTO {q}.layer_history (doc_id, annotator_id, seq, edit, undone)
                     VALUES ($1, $2, COALESCE((SELECT MAX(seq) FROM {q}.layer_history
                                              WHERE doc_id = $1 AND annotator_id = $2), 0) + 1, $3, false)"
                ),
                &[&doc.0, &layer, &json],
            )?;
            Ok(())
        })
    }

    fn undo_expecting(&mut self, doc: DocId, applied: &Edit) -> Result<(), StoreError> {
        self.step_history(doc, false, applied)
    }

    fn redo_expecting(&mut self, doc: DocId, applied: &Edit) -> Result<(), StoreError> {
        self.step_history(doc, true, applied)
    }

    fn import<R, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut dyn DocumentSink) -> Result<R, E>,
        keep: impl FnOnce(&R) -> bool,
    ) -> Result<R, E> {
        let layer = self.ensure_me()?;
        let q = self.q.clone();
        let path = self.path.clone();
        let mut labels = self.labels.clone();
        let policy = self.settings.overlap;
        let name = self.me.name.clone();
        let times = self.version >= 2;
        let (result, changed) = {
            let mut client = self.db();
            let mut tx = client.transaction().map_err(pg(&path))?;
            let (result, changed) = {
                let mut sink = PgSink {
                    tx: &mut tx,
                    q: &q,
                    path: &path,
                    labels: &mut labels,
                    labels_changed: false,
                    policy,
                    layer,
                    annotator: &name,
                    same_text: None,
                    joined: 0,
                    times,
                    index: self.version >= 3,
                    kinds: self.version >= 4,
                    batch: batch::Batch::default(),
                    annotated: Vec::new(),
                };
                let r = f(&mut sink)?;
                sink.send()?;
                (r, sink.labels_changed)
            };
            if !keep(&result) {
                return Ok(result);
            }
            if changed {
                self.bump_shared(&mut tx)?;
            }
            tx.commit().map_err(pg(&path))?;
            (result, changed)
        };
        if changed {
            self.shared_version += 1;
        }
        self.labels = labels;
        Ok(result)
    }

    fn next_assigned(&mut self) -> Result<NextAssigned, StoreError> {
        let q = self.q.clone();
        let path = self.path.clone();
        let me = self.me.layer();
        let client = self.client.get_mut();
        let mut tx = client.transaction().map_err(pg(&path))?;
        let mine: i64 = tx
            .query_one(
                &format!("SELECT COUNT(*) FROM {q}.assignments WHERE annotator_id = $1"),
                &[&me],
            )
            .map_err(pg(&path))?
            .get(0);
        if mine == 0 {
            return Ok(NextAssigned::NotAssigned);
        }
        let minutes: i64 = tx
            .query_opt(
                &format!("SELECT value FROM {q}.meta WHERE key = 'lease_minutes'"),
                &[],
            )
            .map_err(pg(&path))?
            .and_then(|r| r.get::<_, String>(0).parse().ok())
            .unwrap_or(0);
        // Assigned to me, not done in my layer, and (in exclusive mode) not held by another;
        // one I hold already comes first.
        let candidates: Vec<i64> = tx
            .query(
                &format!(
                    "SELECT a.doc_id FROM {q}.assignments a
                     LEFT JOIN {q}.layer_status t ON t.doc_id = a.doc_id AND t.annotator_id = a.annotator_id
                     LEFT JOIN {q}.leases l ON l.doc_id = a.doc_id
                     WHERE a.annotator_id = $1 AND COALESCE(t.status, 'new') <> 'done'
                       AND ($2::bigint = 0 OR l.doc_id IS NULL OR l.annotator_id = $1 OR l.until < now())
                     ORDER BY (l.annotator_id IS NOT DISTINCT FROM $1) DESC, a.doc_id"
                ),
                &[&me, &minutes],
            )
            .map_err(pg(&path))?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if minutes == 0 {
            return Ok(candidates.first().map_or(NextAssigned::Finished, |d| {
                NextAssigned::Document(DocId(*d))
            }));
        }
        // Exclusive: take the lease; another annotator may have taken it a moment ago.
        let take = tx
            .prepare(&format!(
                "INSERT INTO {q}.leases (doc_id, annotator_id, until)
                 VALUES ($1, $2, now() + make_interval(mins => $3::int))
                 ON CONFLICT (doc_id) DO UPDATE SET annotator_id = excluded.annotator_id, until = excluded.until
                 WHERE {q}.leases.annotator_id = excluded.annotator_id OR {q}.leases.until < now()
                 RETURNING doc_id"
            ))
            .map_err(pg(&path))?;
        let mins = i32::try_from(minutes).unwrap_or(i32::MAX);
        for d in candidates {
            if tx
                .query_opt(&take, &[&d, &me, &mins])
                .map_err(pg(&path))?
                .is_some()
            {
                tx.commit().map_err(pg(&path))?;
                return Ok(NextAssigned::Document(DocId(d)));
            }
        }
        tx.commit().map_err(pg(&path))?;
        Ok(NextAssigned::Finished)
    }

    fn export_docs<'p>(
        &'p self,
        layer: Option<AnnotatorId>,
        status: Option<DocStatus>,
        labels: Option<&'p [String]>,
    ) -> Result<ExportDocs<'p>, StoreError> {
        let layer = layer.map_or(self.me.layer(), |a| a.0);
        Ok(Box::new(self.export_docs_of(layer, status)?.map(
            move |doc| {
                let (_, mut doc) = doc?;
                if let Some(keep) = labels {
                    doc.spans.retain(|s| keep.contains(&s.label));
                }
                Ok(doc)
            },
        )))
    }
    fn suggestions(&self, id: DocId) -> Result<Vec<StoredSuggestion>, StoreError> {
        self.pg_suggestions(id)
    }
    fn for_each_candidate(
        &self,
        query: &str,
        f: impl FnMut(DocId, &str, &str) -> Result<bool, StoreError>,
    ) -> Result<bool, StoreError> {
        self.pg_for_each_candidate(query, f)
    }
    fn update_text_index(
        &self,
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<usize, StoreError> {
        self.pg_update_text_index(cancel)
    }
    fn replace_suggestions(
        &mut self,
        name: &str,
        kind: &str,
        origin: &str,
        rows: &mut dyn Iterator<Item = Result<SuggestionRow, StoreError>>,
    ) -> Result<usize, StoreError> {
        self.pg_replace_suggestions(name, kind, origin, rows)
    }
    fn suggestion_stats(&self, layer: Option<AnnotatorId>) -> Result<Vec<SourceStats>, StoreError> {
        self.pg_suggestion_stats(layer)
    }
    fn export_suggestions<'p>(
        &'p self,
        layer: Option<AnnotatorId>,
        source: Option<&'p str>,
        status: Option<DocStatus>,
        labels: Option<&'p [String]>,
    ) -> Result<ExportDocs<'p>, StoreError> {
        self.pg_export_suggestions(layer, source, status, labels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_names_its_project_and_hides_its_password() {
        let t = TeamLocation::parse(
            "postgres://amina:s%40cret@db.example:5432/corpus?project=news&sslmode=require",
            None,
        )
        .expect("parse");
        assert_eq!(t.project, "news");
        assert_eq!(t.user.as_deref(), Some("amina"));
        assert_eq!(
            t.display,
            "postgres://amina@db.example:5432/corpus?project=news&sslmode=require"
        );
        assert_eq!(
            t.conninfo,
            "postgres://amina:s%40cret@db.example:5432/corpus?sslmode=require"
        );
        assert!(TeamLocation::parse("postgres://h/db", None).is_err());
        assert!(TeamLocation::parse("postgres://h/db?project=Bad-Name", None).is_err());
        assert_eq!(
            TeamLocation::parse("postgres://h/db", Some("p1"))
                .expect("named")
                .project,
            "p1"
        );
    }

    #[test]
    fn a_pgpass_line_matches_with_wildcards_and_escapes() {
        let text = "# comment\nother:5432:*:amina:no\ndb.lab:*:corpus:amina:s3\\:cret\n";
        assert_eq!(
            pgpass_lookup(text, ["db.lab", "5432", "corpus", "amina"]).as_deref(),
            Some("s3:cret")
        );
        assert_eq!(
            pgpass_lookup(text, ["db.lab", "5432", "corpus", "bilal"]),
            None
        );
    }

    #[test]
    fn verify_full_and_its_root_certificate_are_taken_out_of_the_url() {
        let (url, v) =
            tls_options("postgres://a@h/db?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.crt&x=1");
        assert_eq!(url, "postgres://a@h/db?sslmode=require&x=1");
        assert_eq!(v, Verify::Against(PathBuf::from("/tmp/ca.crt")));
        let (url, v) = tls_options("postgres://a@h/db?sslmode=require");
        assert_eq!(url, "postgres://a@h/db?sslmode=require");
        assert_eq!(v, Verify::Encrypt);
        assert!(
            tls_config(&Verify::Against(PathBuf::new())).is_err_and(|e| e.contains("sslrootcert"))
        );
    }

    #[test]
    fn quoting_doubles_the_quote_characters() {
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's"), "'it''s'");
    }
}
