//! Layers across files: choosing the layer a command reads, opening older files for reading
//! without writing them, and `tawsim merge` (each annotator's own project file becomes their
//! layer of one project).

use crate::domain::{AnnotatorId, OverlapPolicy};
use crate::ops::OpsError;
use crate::store::{Project, StoreError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Opens `path` read-only as `annotator`. A file of an older schema is upgraded first when
/// `upgrade` allows it (the project's own file: the command is the user's), else read
/// through an upgraded temporary copy so the file itself is never written (an input).
/// Returns the project and, for a copy, the folder that holds it (keep it while reading).
pub fn open_reading(
    path: &Path,
    annotator: &str,
    upgrade: bool,
) -> Result<(Project, Option<tempfile::TempDir>), StoreError> {
    match Project::open_read_only_as(path, annotator) {
        Err(StoreError::NeedsUpgrade { found, .. }) if upgrade => {
            drop(Project::open_as(path, annotator)?);
            eprintln!(
                "tawsim: {}: upgraded from project schema {found} to {}",
                path.display(),
                crate::store::SCHEMA_VERSION
            );
            Ok((Project::open_read_only_as(path, annotator)?, None))
        }
        Err(StoreError::NeedsUpgrade { .. }) => {
            let dir = tempfile::tempdir().map_err(|source| StoreError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            let copy = dir.path().join("input.tawsim");
            std::fs::copy(path, &copy).map_err(|source| StoreError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            drop(Project::open_as(&copy, annotator).map_err(|e| rename(e, &copy, path))?);
            let p =
                Project::open_read_only_as(&copy, annotator).map_err(|e| rename(e, &copy, path))?;
            Ok((p, Some(dir)))
        }
        other => other.map(|p| (p, None)),
    }
}

/// An error about a temporary copy, told about the file it copies.
fn rename(e: StoreError, copy: &Path, original: &Path) -> StoreError {
    StoreError::Invalid {
        path: original.to_path_buf(),
        message: e
            .to_string()
            .replace(&copy.display().to_string(), "its upgraded copy"),
    }
}

/// The layer a command reads: the named annotator's (who must be in the project); without a
/// name, the OS user's when they are an annotator of it, else the only annotator's. `None`
/// for a project nobody has annotated.
pub fn choose_layer(
    p: &impl crate::store::Store,
    requested: Option<&str>,
) -> Result<Option<(AnnotatorId, String)>, String> {
    let all = p.annotators().map_err(|e| e.to_string())?;
    let names = || {
        all.iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(name) = requested {
        let name = name.trim();
        return all
            .iter()
            .find(|a| a.name == name)
            .map(|a| Some((a.id, a.name.clone())))
            .ok_or_else(|| {
                format!(
                    "{}: no annotator {name:?} in this project (annotators: {})",
                    p.path().display(),
                    names()
                )
            });
    }
    // The annotator the project was opened as (the OS user unless named; on a team
    // project, the role connected).
    let me = p.annotator().1;
    if let Some(a) = all.iter().find(|a| a.name == me) {
        return Ok(Some((a.id, a.name.clone())));
    }
    match all.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some((one.id, one.name.clone()))),
        _ => Err(format!(
            "{}: layers by {}: choose one with --annotator NAME",
            p.path().display(),
            names()
        )),
    }
}

/// One input of a merge: a project file, and the name its layer takes in the output (for a
/// file with one annotator; `None` keeps the names it has).
#[derive(Debug, Clone)]
pub struct MergeInput {
    pub path: PathBuf,
    pub rename: Option<String>,
}

impl MergeInput {
    /// Reads `FILE` or `NAME=FILE` (a path that exists as given is always a path).
    #[must_use]
    pub fn parse(arg: &str) -> MergeInput {
        if !Path::new(arg).exists()
            && let Some((name, path)) = arg.split_once('=')
            && !name.trim().is_empty()
        {
            return MergeInput {
                path: PathBuf::from(path),
                rename: Some(name.trim().to_string()),
            };
        }
        MergeInput {
            path: PathBuf::from(arg),
            rename: None,
        }
    }
}

/// What a merge did.
#[derive(Debug, Default)]
pub struct MergeReport {
    pub documents: usize,
    /// `(annotator, documents, spans)` per layer written.
    pub layers: Vec<(String, usize, usize)>,
    /// Documents not merged: a document of the same name with another text is already in
    /// the output (`file: name: why`).
    pub differing: Vec<String>,
}

/// Merges project files into a new project at `out`: documents are matched by their exact
/// text; each input's layers become layers of the output under their annotators' names.
/// Labels come by name (the first input's colours and hotkeys first); spans may overlap in
/// the output when any input allows it. The first layer's annotator is the output's manager,
/// the others are annotators (`tawsim project role` changes that). Inputs are only read (an older file through an
/// upgraded copy); `out` must not exist. Undo histories stay in the inputs.
pub fn merge_projects(out: &Path, inputs: &[MergeInput]) -> Result<MergeReport, OpsError> {
    if inputs.is_empty() {
        return Err(OpsError::Refused(
            "merge needs at least one input project".into(),
        ));
    }
    if out.exists() {
        return Err(OpsError::Store(StoreError::AlreadyExists {
            path: out.to_path_buf(),
        }));
    }
    let mut opened = Vec::new();
    for input in inputs {
        let (p, tmp) = open_reading(&input.path, "merge", false)?;
        let layers = p.annotators()?;
        if input.rename.is_some() && layers.len() > 1 {
            return Err(OpsError::Refused(format!(
                "{}: has {} annotators; NAME=FILE renames the layer of a file with one",
                input.path.display(),
                layers.len()
            )));
        }
        opened.push((input, p, tmp, layers));
    }
    // Every layer's name in the output, unique across the inputs.
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    let mut plan = Vec::new();
    for (i, (input, _, _, layers)) in opened.iter().enumerate() {
        for a in layers {
            let name = input.rename.clone().unwrap_or_else(|| a.name.clone());
            if let Some(first) = seen.insert(name.clone(), input.path.clone()) {
                return Err(OpsError::Refused(format!(
                    "{} and {} both have a layer by {name:?}: name one with NAME=FILE",
                    first.display(),
                    input.path.display()
                )));
            }
            plan.push((i, a.id, name));
        }
    }
    let first_name = plan
        .first()
        .map_or_else(crate::domain::annotator::os_user_name, |(_, _, n)| {
            n.clone()
        });
    let mut target = Project::create_as(out, &first_name)?;
    let result = fill(&mut target, &opened, &plan);
    if result.is_err() {
        drop(target);
        let _ = std::fs::remove_file(out);
    }
    result
}

type Opened<'a> = (
    &'a MergeInput,
    Project,
    Option<tempfile::TempDir>,
    Vec<crate::domain::Annotator>,
);

fn fill(
    target: &mut Project,
    opened: &[Opened<'_>],
    plan: &[(usize, AnnotatorId, String)],
) -> Result<MergeReport, OpsError> {
    let mut settings = opened[0].1.settings();
    if opened
        .iter()
        .any(|(_, p, _, _)| p.settings().overlap == OverlapPolicy::Allow)
    {
        settings.overlap = OverlapPolicy::Allow;
    }
    target.save_settings(settings)?;
    target.save_labels(opened[0].1.labels())?;
    let mut report = MergeReport::default();
    // Names of the output's documents with their texts' hashes, to tell a changed text.
    let mut names: HashMap<String, (usize, String)> = HashMap::new();
    for (i, layer, name) in plan {
        let (input, source, _, _) = &opened[*i];
        target.set_annotator(name)?;
        let mut docs = 0;
        let mut spans = 0;
        let mut differing = Vec::new();
        target.import(
            |sink| {
                sink.join_same_text()?;
                for doc in source.export_iter(Some(*layer), None, None)? {
                    let doc = doc?;
                    if let Some((from, text)) = names.get(&doc.name)
                        && from != i
                        && *text != doc.text
                    {
                        differing.push(format!(
                            "{}: {}: its text differs from the document of that name already merged; not merged",
                            input.path.display(),
                            doc.name
                        ));
                        continue;
                    }
                    docs += 1;
                    spans += doc.spans.len();
                    names
                        .entry(doc.name.clone())
                        .or_insert_with(|| (*i, doc.text.clone()));
                    sink.add(doc)?;
                }
                Ok::<_, StoreError>(())
            },
            |_| true,
        )?;
        report.layers.push((name.clone(), docs, spans));
        report.differing.extend(differing);
    }
    report.documents = target.documents()?.len();
    Ok(report)
}
