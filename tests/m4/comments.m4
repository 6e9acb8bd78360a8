define(`a', `A')a # a comment with a and `quotes
a # another, then a macro call a(
define(`f', `[$1]')f(x # comment, with comma
)
changecom(`/*', `*/')/* a multi
line a comment */ a # not a comment now
changecom(`@@')@@ to end of line a
a changecom a # a
changecom(`#')# back
`# quoted comment start' a
