//! Suggestions from a model server that speaks the Label Studio ML backend protocol: each
//! document is POSTed to `URL/predict` as a task (`{"tasks": [{"id", "data": {"text"}}],
//! "label_config", "project", "params"}`), and the labels results of the prediction that
//! comes back (`{"results": [{"result": [...], "score", "model_version"}]}`) become a
//! suggestion source. An existing ML backend works unchanged.
//!
//! A document whose answer times out, fails, is not JSON or has offsets that do not fit its
//! text gets a message naming it, and the run goes on; a server that cannot be reached at
//! all stops the run before anything is written. Runs on a background thread in the window.

use crate::domain::{DocId, IndexedText};
use crate::store::{Store, SuggestionRow};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// How to ask the server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// For one document's answer.
    pub timeout: Duration,
    /// Results scored under this are left out.
    pub min_score: Option<f64>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            timeout: Duration::from_secs(30),
            min_score: None,
        }
    }
}

/// What a run over the project did.
#[derive(Debug, Default, Clone)]
pub struct ServerRun {
    /// Documents sent.
    pub documents: usize,
    /// Documents with at least one suggestion kept.
    pub suggested: usize,
    /// Suggestions kept.
    pub kept: usize,
    pub below_threshold: usize,
    /// The model versions the answers named.
    pub model_versions: Vec<String>,
    /// One line per document that got no usable answer (or a result left out): its name,
    /// then why.
    pub problems: Vec<String>,
}

/// The labelling configuration sent with every task: the project's labels over `text`.
#[must_use]
pub fn label_config(labels: &crate::domain::LabelSet) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
    };
    use crate::domain::LabelKind;
    let mut c = String::from("<View>");
    // Relation types and document labels, as the export writes them (relation results'
    // `labels`, one `choices` result named `doc_labels`).
    if labels.enabled_of(LabelKind::Relation).next().is_some() {
        c.push_str("<Relations>");
        for l in labels.enabled_of(LabelKind::Relation) {
            c.push_str(&format!(r#"<Relation value="{}"/>"#, esc(&l.name)));
        }
        c.push_str("</Relations>");
    }
    c.push_str(r#"<Labels name="label" toName="text">"#);
    for l in labels.enabled() {
        c.push_str(&format!(r#"<Label value="{}"/>"#, esc(&l.name)));
    }
    c.push_str(r#"</Labels><Text name="text" value="$text"/>"#);
    if labels.enabled_of(LabelKind::Document).next().is_some() {
        c.push_str(r#"<Choices name="doc_labels" toName="text" choice="multiple">"#);
        for l in labels.enabled_of(LabelKind::Document) {
            c.push_str(&format!(r#"<Choice value="{}"/>"#, esc(&l.name)));
        }
        c.push_str("</Choices>");
    }
    c.push_str("</View>");
    c
}

/// The URL of the predict endpoint under a server's base URL.
fn predict_url(base: &str) -> String {
    let b = base.trim().trim_end_matches('/');
    if b.ends_with("/predict") {
        b.to_string()
    } else {
        format!("{b}/predict")
    }
}

/// One document's prediction as the server gave it.
struct Prediction {
    result: Vec<Value>,
    score: Option<f64>,
    version: Option<String>,
}

/// Why one document got nothing.
enum Failure {
    /// The server cannot be reached at all (the run stops).
    Unreachable(String),
    /// This document's answer is unusable.
    Document(String),
}

/// Asks the server about one document; returns its prediction's results, score and model
/// version.
fn ask(
    agent: &ureq::Agent,
    url: &str,
    config: &str,
    id: DocId,
    text: &str,
) -> Result<Prediction, Failure> {
    let body = json!({
        "tasks": [{"id": id.0, "data": {"text": text}}],
        "label_config": config,
        "project": "tawsim",
        "params": {"context": null},
    });
    let mut resp = match agent.post(url).send_json(&body) {
        Ok(r) => r,
        Err(ureq::Error::Timeout(_)) => {
            return Err(Failure::Document("no answer in time (timed out)".into()));
        }
        Err(e @ (ureq::Error::ConnectionFailed | ureq::Error::HostNotFound)) => {
            return Err(Failure::Unreachable(e.to_string()));
        }
        Err(ureq::Error::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            return Err(Failure::Unreachable(e.to_string()));
        }
        Err(e) => return Err(Failure::Document(e.to_string())),
    };
    let status = resp.status();
    let answer = resp
        .body_mut()
        .with_config()
        .limit(256 << 20)
        .read_to_string()
        .map_err(|e| match e {
            ureq::Error::Timeout(_) => Failure::Document("no answer in time (timed out)".into()),
            e => Failure::Document(format!("the answer could not be read: {e}")),
        })?;
    if !status.is_success() {
        let head: String = answer.chars().take(200).collect();
        return Err(Failure::Document(format!(
            "the server answered HTTP {status}: {head}"
        )));
    }
    let v: Value = serde_json::from_str(&answer).map_err(|e| {
        Failure::Document(format!(
            "the answer is not JSON ({e}): {}",
            answer.chars().take(80).collect::<String>()
        ))
    })?;
    // {"results": [prediction | [prediction, …]]}, or a bare list (older backends).
    let results = match &v {
        Value::Object(o) => o.get("results").cloned(),
        Value::Array(_) => Some(v.clone()),
        _ => None,
    };
    let Some(Value::Array(per_task)) = results else {
        return Err(Failure::Document(
            "the answer has no \"results\" list".into(),
        ));
    };
    let none = Prediction {
        result: Vec::new(),
        score: None,
        version: None,
    };
    let pred = match per_task.first() {
        None => return Ok(none),
        Some(Value::Array(preds)) => preds.first().cloned().unwrap_or(Value::Null),
        Some(p) => p.clone(),
    };
    let Value::Object(pred) = pred else {
        return Ok(none);
    };
    let result = match pred.get("result") {
        Some(Value::Array(r)) => r.clone(),
        None | Some(Value::Null) => Vec::new(),
        Some(_) => {
            return Err(Failure::Document(
                "the prediction's \"result\" is not a list".into(),
            ));
        }
    };
    let score = pred.get("score").and_then(Value::as_f64);
    let version = pred.get("model_version").and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    });
    Ok(Prediction {
        result,
        score,
        version,
    })
}

/// Sends every document of the store to the model server at `url` and keeps its
/// predictions as suggestion source `source` (replacing what that source suggested before).
/// `done` counts the documents answered; `cancel` stops before anything is written.
pub fn predict_into<S: Store>(
    p: &mut S,
    url: &str,
    source: &str,
    opts: &ServerOptions,
    done: Option<&AtomicU64>,
    cancel: Option<&AtomicBool>,
) -> Result<ServerRun, String> {
    let endpoint = predict_url(url);
    if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
        return Err(format!(
            "{url}: a model server is an http:// or https:// URL (a Label Studio ML backend, e.g. http://localhost:9090)"
        ));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(opts.timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let config = label_config(p.labels());
    let mut run = ServerRun::default();
    let mut rows: Vec<SuggestionRow> = Vec::new();
    let mut stop = None;
    {
        let reader = p.worker().map_err(|e| e.to_string())?;
        reader
            .for_each_document(|id, name, text| {
                if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                    return Ok(false);
                }
                run.documents += 1;
                match ask(&agent, &endpoint, &config, id, text) {
                    Err(Failure::Unreachable(e)) => {
                        stop = Some(format!(
                            "cannot reach the model server at {endpoint}: {e}; nothing was kept"
                        ));
                        return Ok(false);
                    }
                    Err(Failure::Document(e)) => run.problems.push(format!("{name}: {e}")),
                    Ok(Prediction {
                        result,
                        score,
                        version,
                    }) => {
                        if let Some(v) = version.filter(|v| !run.model_versions.contains(v)) {
                            run.model_versions.push(v);
                        }
                        let t = IndexedText::new(text);
                        match crate::formats::labelstudio::prediction_spans(&result, &t, score) {
                            Err(e) => run.problems.push(format!(
                                "{name}: {e}; the document's prediction was left out"
                            )),
                            Ok(spans) => {
                                let before = rows.len();
                                for sp in spans {
                                    if let (Some(x), Some(min)) = (sp.score, opts.min_score)
                                        && x < min
                                    {
                                        run.below_threshold += 1;
                                        continue;
                                    }
                                    rows.push((id, sp.start, sp.end, sp.label, sp.score));
                                }
                                run.suggested += usize::from(rows.len() > before);
                            }
                        }
                    }
                }
                if let Some(d) = done {
                    d.fetch_add(1, Ordering::Relaxed);
                }
                Ok(true)
            })
            .map_err(|e| e.to_string())?;
    }
    if let Some(e) = stop {
        return Err(e);
    }
    if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
        return Err("cancelled; no suggestion was kept".into());
    }
    run.kept = p
        .replace_suggestions(source, "model", &endpoint, &mut rows.into_iter().map(Ok))
        .map_err(|e| e.to_string())?;
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_label_config_names_every_enabled_label_escaped() {
        let mut set = crate::domain::LabelSet::default();
        set.add("PER").expect("add");
        set.add("A&\"B").expect("add");
        let c = label_config(&set);
        assert!(c.contains(r#"<Label value="PER"/>"#), "{c}");
        assert!(c.contains(r#"<Label value="A&amp;&quot;B"/>"#), "{c}");
        assert!(c.contains(r#"<Text name="text" value="$text"/>"#), "{c}");
        assert!(!c.contains("Relations") && !c.contains("Choices"), "{c}");
        // Relation types and document labels have their own elements.
        set.add_kind("works_for", crate::domain::LabelKind::Relation)
            .expect("add");
        set.add_kind("politics", crate::domain::LabelKind::Document)
            .expect("add");
        let c = label_config(&set);
        assert!(
            c.contains(r#"<Relations><Relation value="works_for"/></Relations>"#),
            "{c}"
        );
        assert!(
            c.contains(r#"<Choices name="doc_labels" toName="text" choice="multiple"><Choice value="politics"/></Choices>"#),
            "{c}"
        );
        assert!(!c.contains(r#"<Label value="works_for"/>"#), "{c}");
    }

    #[test]
    fn the_predict_endpoint_is_under_the_base_url() {
        assert_eq!(predict_url("http://h:9090"), "http://h:9090/predict");
        assert_eq!(predict_url("http://h:9090/"), "http://h:9090/predict");
        assert_eq!(
            predict_url("http://h:9090/predict"),
            "http://h:9090/predict"
        );
    }
}
