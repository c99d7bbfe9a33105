//! `tawsim [PROJECT_OR_FILES...]` opens the window; `tawsim import|export|stats|validate`
//! work on projects and dataset files without one.

use clap::Parser;
use tawsim::app::{StartProject, TawsimApp};
use tawsim::cli::{Cli, run_command};

/// Imports and exports allocate a few small strings per document on one thread and free
/// them on another; mimalloc does that without the lock glibc's allocator takes.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let started = std::time::Instant::now();
    let cli = Cli::parse();
    if let Some(cmd) = cli.command {
        return run_command(cmd);
    }
    if let (Some(script), [project]) = (&cli.script, cli.paths.as_slice()) {
        tawsim::crash::install_hook();
        return match tawsim::script::run(script, project, cli.annotator.as_deref()) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("tawsim: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    tawsim::crash::install_hook();
    let team = |p: &std::path::PathBuf| {
        p.to_str()
            .filter(|s| tawsim_core::store::is_team_location(s))
            .map(str::to_string)
    };
    let start = match cli.paths.as_slice() {
        [] => StartProject::Last,
        [one] if team(one).is_some() => StartProject::Team(team(one).unwrap_or_default()),
        several if several.iter().any(|p| team(p).is_some()) => {
            eprintln!("tawsim: a team project opens on its own: give its URL alone");
            return std::process::ExitCode::from(2);
        }
        [one] if one.extension().is_some_and(|e| e == "tawsim") => StartProject::Path(one.clone()),
        files => StartProject::Files(files.to_vec()),
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("tawsim — توسيم")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let exit_after_first_frame = cli.exit_after_first_frame.then_some(started);
    let annotator = cli.annotator;
    let create = move |cc: &eframe::CreationContext<'_>| {
        let mut app = TawsimApp::from_creation_context(cc, start, annotator);
        app.exit_after_first_frame = exit_after_first_frame;
        Ok(Box::new(app) as Box<dyn eframe::App>)
    };
    match eframe::run_native("tawsim", options, Box::new(create)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tawsim: could not open a window: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
