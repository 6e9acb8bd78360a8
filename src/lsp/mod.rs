//! `flaskc lsp`: a Language Server Protocol server, the only module that knows the
//! protocol and JSON-RPC.
//!
//! Each opened file joins a project (`workspace`): its Xen tree, or itself when it is
//! a policy.conf outside any tree. Every change rebuilds the project in memory through
//! [`crate::project`], with the editor's buffers over the disk, and publishes the
//! diagnostics of every file of it. Questions about a position (`features`) are
//! answered from the latest build that had a symbol index.
//!
//! The loop is single-threaded. Changes mark their project stale; a project is rebuilt
//! once the messages already queued are handled, or before a question about it, so a
//! burst of keystrokes costs one build.

mod convert;
mod features;
mod workspace;

use crate::project::fs::Overlay;
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use workspace::Project;
#[cfg(test)]
use workspace::Root;

/// Why the server stopped before the client said `exit`.
#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for Error {
    fn from(e: E) -> Error {
        Error(e.to_string())
    }
}

/// Serves the protocol on standard input and output until the client exits.
///
/// # Errors
/// When the client breaks the protocol or the pipes close early.
pub fn run_stdio() -> Result<(), Error> {
    let (connection, io) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io.join()?;
    Ok(())
}

/// Serves the protocol on a connection until the client asks to shut down.
///
/// # Errors
/// When the client breaks the protocol or the connection closes early.
pub fn serve(connection: &Connection) -> Result<(), Error> {
    let caps = capabilities();
    let init = serde_json::json!({
        "capabilities": caps,
        "serverInfo": { "name": "flaskc", "version": env!("CARGO_PKG_VERSION") },
    });
    let (id, _params) = connection.initialize_start()?;
    connection.initialize_finish(id, init)?;
    let mut server = Server {
        connection,
        overlay: Overlay::default(),
        projects: Vec::new(),
        stale: BTreeSet::new(),
    };
    loop {
        let msg = match connection.receiver.try_recv() {
            Ok(msg) => msg,
            Err(_) => {
                server.refresh()?;
                match connection.receiver.recv() {
                    Ok(msg) => msg,
                    Err(_) => return Ok(()),
                }
            }
        };
        match msg {
            Message::Request(req) => {
                if connection.handle_shutdown(&req)? {
                    return Ok(());
                }
                server.refresh()?;
                let resp = server.request(req);
                connection.sender.send(Message::Response(resp))?;
            }
            Message::Notification(n) => server.notification(n),
            Message::Response(_) => {}
        }
    }
}

fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::FULL),
                save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![":".into(), "{".into(), "(".into()]),
            ..Default::default()
        }),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
        ..Default::default()
    }
}

/// The server's state between messages.
struct Server<'a> {
    connection: &'a Connection,
    overlay: Overlay,
    projects: Vec<Project>,
    /// Indexes of projects to rebuild.
    stale: BTreeSet<usize>,
}

impl Server<'_> {
    /// The project of a file, created (stale, to be built) when it has none yet.
    fn project_for(&mut self, path: &Path) -> usize {
        if let Some(i) = self.projects.iter().position(|p| p.contains(path)) {
            return i;
        }
        let root = workspace::root_of(path, &self.overlay);
        if let Some(i) = self.projects.iter().position(|p| p.root == root) {
            return i;
        }
        self.projects.push(Project::new(root, path.to_path_buf()));
        self.stale.insert(self.projects.len() - 1);
        self.projects.len() - 1
    }

    /// The project of a file, built: a question may name a file no buffer opened.
    fn built_project_for(&mut self, path: &Path) -> usize {
        let i = self.project_for(path);
        if self.stale.contains(&i) {
            // Publishing can only fail once the client is gone, which the loop sees next.
            let _ = self.refresh();
        }
        i
    }

    /// A buffer changed (or was opened, saved, closed): mark its project for a rebuild.
    fn touched(&mut self, path: PathBuf) {
        let i = self.project_for(&path);
        self.projects[i].touched = path;
        self.stale.insert(i);
    }

    /// Rebuilds the stale projects and publishes their diagnostics.
    fn refresh(&mut self) -> Result<(), Error> {
        for i in std::mem::take(&mut self.stale) {
            let p = &mut self.projects[i];
            p.rebuild(&self.overlay);
            for (uri, diagnostics) in p.diagnostics() {
                let params = lsp::PublishDiagnosticsParams {
                    uri,
                    diagnostics,
                    version: None,
                };
                let n = Notification::new(
                    lsp::notification::PublishDiagnostics::METHOD.to_string(),
                    params,
                );
                self.connection.sender.send(Message::Notification(n))?;
            }
        }
        Ok(())
    }

    fn notification(&mut self, n: Notification) {
        use lsp::notification as n_;
        let doc = |v: &Value| -> Option<PathBuf> {
            let uri: lsp::Url = serde_json::from_value(v["textDocument"]["uri"].clone()).ok()?;
            convert::path(&uri)
        };
        let Some(path) = doc(&n.params) else {
            return;
        };
        match n.method.as_str() {
            n_::DidOpenTextDocument::METHOD => {
                if let Some(text) = n.params["textDocument"]["text"].as_str() {
                    self.overlay.set(path.clone(), text.to_string());
                }
            }
            n_::DidChangeTextDocument::METHOD => {
                let changes = n.params["contentChanges"].as_array();
                let last = changes.and_then(|c| c.last());
                if let Some(text) = last.and_then(|c| c["text"].as_str()) {
                    self.overlay.set(path.clone(), text.to_string());
                }
            }
            n_::DidCloseTextDocument::METHOD => self.overlay.remove(&path),
            n_::DidSaveTextDocument::METHOD => {
                if let Some(text) = n.params["text"].as_str() {
                    self.overlay.set(path.clone(), text.to_string());
                }
            }
            _ => return,
        }
        self.touched(path);
    }

    fn request(&mut self, req: Request) -> Response {
        use lsp::request as r;
        let id = req.id.clone();
        let result = match req.method.as_str() {
            r::GotoDefinition::METHOD => {
                self.at(&req.params, |at| serde_json::to_value(at.definition()))
            }
            r::References::METHOD => {
                self.at(&req.params, |at| serde_json::to_value(at.references()))
            }
            r::HoverRequest::METHOD => self.at(&req.params, |at| serde_json::to_value(at.hover())),
            r::Completion::METHOD => {
                self.at(&req.params, |at| serde_json::to_value(at.completion()))
            }
            r::DocumentSymbolRequest::METHOD => {
                let path =
                    serde_json::from_value::<lsp::Url>(req.params["textDocument"]["uri"].clone())
                        .ok()
                        .and_then(|u| convert::path(&u));
                let list = match path {
                    Some(path) => {
                        let i = self.built_project_for(&path);
                        features::document_symbols(&self.projects[i], &path)
                    }
                    None => Vec::new(),
                };
                serde_json::to_value(list)
            }
            r::WorkspaceSymbolRequest::METHOD => {
                let query = req.params["query"].as_str().unwrap_or("");
                serde_json::to_value(features::workspace_symbols(self.projects.iter(), query))
            }
            _ => return method_not_found(id, &req.method),
        };
        match result {
            Ok(v) => Response::new_ok(id, v),
            Err(e) => Response::new_err(id, -32603, e.to_string()),
        }
    }

    /// Answers a question about a position (`textDocument` and `position` in `params`);
    /// `null` when the file is not part of a build.
    fn at(
        &mut self,
        params: &Value,
        answer: impl Fn(&features::At) -> serde_json::Result<Value>,
    ) -> serde_json::Result<Value> {
        let uri: lsp::Url = serde_json::from_value(params["textDocument"]["uri"].clone())?;
        let pos: lsp::Position = serde_json::from_value(params["position"].clone())?;
        let Some(path) = convert::path(&uri) else {
            return Ok(Value::Null);
        };
        let i = self.built_project_for(&path);
        match features::At::new(&self.projects[i], &path, pos) {
            Some(at) => answer(&at),
            None => Ok(Value::Null),
        }
    }
}

fn method_not_found(id: RequestId, method: &str) -> Response {
    Response::new_err(
        id,
        lsp_server::ErrorCode::MethodNotFound as i32,
        format!("flaskc does not handle `{method}`"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Drives the server over an in-memory connection, as an editor would.
    struct Client {
        conn: Connection,
        next: i32,
    }

    impl Client {
        fn start() -> (Client, std::thread::JoinHandle<()>) {
            let (server, client) = Connection::memory();
            let handle = std::thread::spawn(move || serve(&server).unwrap());
            let mut c = Client {
                conn: client,
                next: 0,
            };
            c.request("initialize", json!({ "capabilities": {} }));
            c.notify("initialized", json!({}));
            (c, handle)
        }

        fn notify(&self, method: &str, params: Value) {
            let n = Notification::new(method.into(), params);
            self.conn.sender.send(Message::Notification(n)).unwrap();
        }

        fn request(&mut self, method: &str, params: Value) -> Value {
            self.next += 1;
            let id = RequestId::from(self.next);
            let r = Request::new(id.clone(), method.into(), params);
            self.conn.sender.send(Message::Request(r)).unwrap();
            loop {
                match self.conn.receiver.recv().unwrap() {
                    Message::Response(r) if r.id == id => return r.result.unwrap_or(Value::Null),
                    _ => {}
                }
            }
        }

        /// The next diagnostics published for `uri`.
        fn diagnostics_for(&self, uri: &str) -> Vec<Value> {
            loop {
                if let Message::Notification(n) = self.conn.receiver.recv().unwrap() {
                    if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri {
                        return n.params["diagnostics"].as_array().unwrap().clone();
                    }
                }
            }
        }
    }

    #[test]
    fn a_typo_in_a_module_is_published_there_and_an_interface_call_leads_to_xen_if() {
        let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("policy");
        assert!(matches!(
            workspace::root_of(&policy.join("modules/domU.te"), &Overlay::default()),
            Root::Tree(_)
        ));
        let te = policy.join("modules/domU.te");
        let uri = lsp::Url::from_file_path(&te).unwrap().to_string();
        let text = std::fs::read_to_string(&te).unwrap();
        let (mut c, handle) = Client::start();
        c.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "te", "version": 1, "text": text } }),
        );
        assert!(c.diagnostics_for(&uri).is_empty());
        let broken = text.clone() + "allow domU_t vualt_t:domain pause;\n";
        c.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": broken }] }),
        );
        let diags = c.diagnostics_for(&uri);
        assert_eq!(diags.len(), 1, "{diags:?}");
        let last = text.lines().count();
        assert_eq!(diags[0]["range"]["start"]["line"], last);
        let line = text
            .lines()
            .position(|l| l.starts_with("create_domain("))
            .unwrap();
        let def = c.request(
            "textDocument/definition",
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": 3 } }),
        );
        assert!(
            def[0]["uri"].as_str().unwrap().ends_with("modules/xen.if"),
            "{def}"
        );
        c.request("shutdown", Value::Null);
        c.notify("exit", Value::Null);
        handle.join().unwrap();
    }
}
