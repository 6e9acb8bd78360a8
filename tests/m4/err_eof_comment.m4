changecom(`/*', `*/')before
/* unterminated
comment
