"""Fixtures of the end-to-end language server tests: a `flaskc lsp` started for each test
by pytest-lsp, and a broken copy of the bundled policy tree."""

import os
import pathlib
import shutil
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = pathlib.Path(__file__).resolve().parents[2]
POLICY = ROOT / "policy"


def flaskc() -> str:
    """The flaskc binary: $FLASKC, else the release build of this checkout."""
    if os.environ.get("FLASKC"):
        return os.environ["FLASKC"]
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target / "release" / "flaskc")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[flaskc(), "lsp"]))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=POLICY.as_uri(),
        )
    )
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def broken_tree(tmp_path):
    """A copy of the bundled tree whose domU.te uses a type nobody declared and passes an
    undeclared type to an interface."""
    tree = tmp_path / "policy"
    shutil.copytree(POLICY, tree)
    te = tree / "modules" / "domU.te"
    te.write_text(
        te.read_text()
        + "allow domU_t vualt_t:domain pause;\n"
        + "create_domain(dom0_t, nosuch_t)\n"
    )
    return tree
