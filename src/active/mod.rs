//! The profile a command acts on, as the local files see it: which one it is (`selected`), what
//! local state says about it (`status`), whether it is guarded (`guard`), and the prompt segment
//! made from that (`segment`). A model below `cmd/`, so every command decides these things the
//! same way.

pub mod error;
pub mod guard;
pub mod segment;
pub mod selected;
pub mod status;

pub use error::ActiveError;
pub use selected::Selected;
pub use status::Status;
