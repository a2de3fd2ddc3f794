//! The async runtime, started only on paths that need the network: the prompt, completion and
//! cached credentials never pay for one.

/// A single-threaded runtime: ssoenv makes one call at a time, and a thread pool costs start-up.
pub fn start() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}
