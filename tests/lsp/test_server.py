"""`flaskc lsp` driven by a real LSP client (pytest-lsp): diagnostics of the bundled
policy and of a broken copy, definitions, references, hover and completion."""

import asyncio

from conftest import POLICY
from lsprotocol import types
from pytest_lsp import LanguageClient

# Generous: the build takes milliseconds, a loaded CI machine may not.
WAIT = 10


def open_file(client: LanguageClient, path):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id="te", version=1, text=path.read_text()
            )
        )
    )


async def diagnostics_of(client: LanguageClient, path):
    """The diagnostics published for `path` (waiting for the first publication)."""
    uri = path.as_uri()

    async def wait():
        while uri not in client.diagnostics:
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    await asyncio.wait_for(wait(), WAIT)
    return list(client.diagnostics[uri])


def position_of(path, needle, offset=0):
    """The position of the first `needle` in a file (plus `offset` characters)."""
    for n, line in enumerate(path.read_text().splitlines()):
        col = line.find(needle)
        if col >= 0 and not line.lstrip().startswith("#"):
            return types.Position(line=n, character=col + offset)
    raise AssertionError(f"{needle} not in {path}")


def doc(path):
    return types.TextDocumentIdentifier(uri=path.as_uri())


async def test_the_bundled_policy_has_no_diagnostics(client: LanguageClient):
    te = POLICY / "modules" / "domU.te"
    open_file(client, te)
    assert await diagnostics_of(client, te) == []


async def test_a_typo_is_reported_at_its_line_and_a_macro_argument_with_its_chain(
    client: LanguageClient, broken_tree
):
    te = broken_tree / "modules" / "domU.te"
    open_file(client, te)
    diags = await diagnostics_of(client, te)
    lines = len(te.read_text().splitlines())
    typo = [d for d in diags if d.range.start.line == lines - 2]
    assert typo and typo[0].severity == types.DiagnosticSeverity.Error, diags
    assert "vualt_t" in typo[0].message
    assert typo[0].source == "flaskc"
    via_macro = [d for d in diags if d.range.start.line == lines - 1]
    assert via_macro and "nosuch_t" in via_macro[0].message, diags
    related = via_macro[0].related_information or []
    assert any(r.location.uri.endswith("modules/xen.if") for r in related), related


async def test_fixing_the_file_clears_its_diagnostics(client: LanguageClient, broken_tree):
    te = broken_tree / "modules" / "domU.te"
    open_file(client, te)
    assert await diagnostics_of(client, te) != []
    fixed = (POLICY / "modules" / "domU.te").read_text()
    del client.diagnostics[te.as_uri()]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=te.as_uri(), version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
        )
    )
    assert await diagnostics_of(client, te) == []


async def test_an_interface_call_leads_to_its_define_in_xen_if(client: LanguageClient):
    te = POLICY / "modules" / "domU.te"
    open_file(client, te)
    result = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc(te), position=position_of(te, "create_domain", 2))
    )
    assert len(result) == 1, result
    assert result[0].uri.endswith("modules/xen.if")
    xen_if = POLICY / "modules" / "xen.if"
    assert result[0].range.start == position_of(xen_if, "define(`create_domain'", 8)


async def test_a_type_leads_to_its_declaration(client: LanguageClient):
    te = POLICY / "modules" / "domU.te"
    open_file(client, te)
    result = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc(te), position=position_of(te, "dom0_t", 1))
    )
    dom0 = POLICY / "modules" / "dom0.te"
    assert [r.uri for r in result] == [dom0.as_uri()], result
    assert result[0].range.start == position_of(dom0, "declare_control_domain(dom0_t", 23)


async def test_references_of_a_type_span_the_tree(client: LanguageClient):
    te = POLICY / "modules" / "domU.te"
    open_file(client, te)
    result = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc(te),
            position=position_of(te, "domU_t"),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    files = {r.uri.rsplit("/", 1)[1] for r in result}
    assert {"domU.te", "initial_sids", "dm_dom.te"} <= files, files


async def test_hover_shows_a_declaration_and_a_macro_expansion(client: LanguageClient):
    te = POLICY / "modules" / "domU.te"
    open_file(client, te)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc(te), position=position_of(te, "domU_t"))
    )
    assert "type `domU_t`" in hover.contents.value
    assert "attributes:" in hover.contents.value
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc(te), position=position_of(te, "create_domain", 1))
    )
    text = hover.contents.value
    assert "macro `create_domain`" in text and "xen.if" in text
    assert "expands here to" in text and "allow dom0_t domU_t" in text, text


async def test_completion_offers_types_and_the_permissions_of_the_class(
    client: LanguageClient,
):
    te = POLICY / "modules" / "domU.te"
    text = te.read_text() + "allow domU_t dom0_t:domain pa\nallow domU_t do"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=te.as_uri(), language_id="te", version=1, text=text
            )
        )
    )
    last = len(text.splitlines()) - 1
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc(te), position=types.Position(last - 1, 29))
    )
    items = result if isinstance(result, list) else result.items
    labels = {i.label for i in items}
    assert "pause" in labels and "getdomaininfo" not in labels, labels
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc(te), position=types.Position(last, 15))
    )
    items = result if isinstance(result, list) else result.items
    labels = {i.label for i in items}
    assert {"dom0_t", "domain_type", "domain"} <= labels, sorted(labels)[:20]


async def test_document_and_workspace_symbols(client: LanguageClient):
    xen_if = POLICY / "modules" / "xen.if"
    open_file(client, xen_if)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc(xen_if))
    )
    assert "create_domain" in {s.name for s in symbols}
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="dom0"))
    assert "dom0_t" in {s.name for s in found}


async def test_a_lone_policy_conf_is_compiled_alone(client: LanguageClient, tmp_path):
    conf = tmp_path / "policy.conf"
    conf.write_text(
        "class xen\nsid xen\nclass xen { settime }\n"
        "type a_t;\nrole r;\nrole r types a_t;\nallow a_t b_t:xen settime;\n"
        "user u roles r;\nsid xen u:r:a_t\n"
    )
    open_file(client, conf)
    diags = await diagnostics_of(client, conf)
    assert any("b_t" in d.message and d.range.start.line == 6 for d in diags), diags
