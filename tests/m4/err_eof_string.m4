before
`an unterminated
quote
