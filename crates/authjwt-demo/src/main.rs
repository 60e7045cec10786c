//! `authjwt-demo`: the demo server. Configuration comes from the environment; see the
//! README and `demo-contract.md`.

use std::process::ExitCode;

use authjwt_demo::serve::serve;
use authjwt_demo::{app_with_options, startup};
use tokio::net::TcpListener;
use tracing::Level;

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let startup = match startup::from_env(std::env::vars_os().collect()).await {
        Ok(startup) => startup,
        Err(err) => {
            eprintln!("authjwt-demo: {err}");
            return ExitCode::from(2);
        }
    };
    for warning in &startup.warnings {
        tracing::warn!("{warning}");
    }
    let listener = match TcpListener::bind(startup.addr).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!(
                "authjwt-demo: DEMO_ADDR: cannot listen on {}: {err}",
                startup.addr
            );
            return ExitCode::from(2);
        }
    };
    tracing::info!("listening on http://{}", startup.addr);
    let router = app_with_options(startup.config, startup.options);
    serve(listener, router, startup.limits, shutdown_signal()).await;
    ExitCode::SUCCESS
}

/// `RUST_LOG` as one level (`error`, `warn`, `info`, `debug`, `trace`); `info` by default.
fn init_logging() {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|value| value.parse::<Level>().ok())
        .unwrap_or(Level::INFO);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .init();
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        () = terminate => {}
    }
}
