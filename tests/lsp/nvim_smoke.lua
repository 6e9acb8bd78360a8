-- Neovim (0.7 or later) headless against `flaskc lsp`: opens $FILE (a .te file of a tree
-- whose line $LINE, 0-based, has a typo), waits up to 5 s for an error on that line, then
-- asks for the definition of the first interface call and expects it in xen.if.
-- Run: FLASKC=... FILE=... LINE=... nvim --headless --clean -u NONE -c 'luafile nvim_smoke.lua'
local function fail(msg)
  io.stderr:write("nvim smoke: " .. msg .. "\n")
  vim.cmd("cquit 1")
end

local file, line = os.getenv("FILE"), tonumber(os.getenv("LINE"))
vim.cmd("edit " .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({
  name = "flaskc",
  cmd = { os.getenv("FLASKC"), "lsp" },
  root_dir = vim.fn.fnamemodify(file, ":h:h"),
})
if not id then
  fail("the server did not start")
end
vim.lsp.buf_attach_client(buf, id)

local ok = vim.wait(5000, function()
  return #vim.diagnostic.get(buf, { severity = vim.diagnostic.severity.ERROR }) > 0
end, 20)
if not ok then
  fail("no error shown within 5 s")
end
local d = vim.diagnostic.get(buf, { severity = vim.diagnostic.severity.ERROR })[1]
if d.lnum ~= line then
  fail(("the error is on line %d, not %d: %s"):format(d.lnum, line, d.message))
end

local call
for n, text in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
  if text:match("^create_domain%(") then
    call = n - 1
    break
  end
end
local client = vim.lsp.get_client_by_id(id)
local resp = client.request_sync("textDocument/definition", {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  position = { line = call, character = 2 },
}, 5000, buf)
local loc = resp and resp.result and resp.result[1]
if not (loc and loc.uri:match("modules/xen%.if$")) then
  fail("definition of create_domain not in xen.if: " .. vim.inspect(resp))
end
client.stop()
io.stdout:write("nvim smoke: ok\n")
vim.cmd("qall!")
