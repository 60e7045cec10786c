//! Prints `COUNT` distinct access tokens for subject `test`, one a line, made by the
//! configuration the demo reads from the same environment (`AUTHJWT_SECRET_KEY`, ...): the
//! token mixes of `tools/bench/http.sh`.
//!
//! `access_tokens COUNT`

use std::io::{BufWriter, Write};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = std::env::args()
        .nth(1)
        .ok_or("usage: access_tokens COUNT")?
        .parse()?;
    let startup = authjwt_demo::startup::from_env(std::env::vars_os().collect()).await?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    for _ in 0..count {
        writeln!(out, "{}", startup.config.create_access_token("test")?)?;
    }
    out.flush()?;
    Ok(())
}
