//! The binary's parts beyond parsing: the audit job's command side and its config file.

pub mod audit;
pub mod config;
