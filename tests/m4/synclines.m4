define(`three', `one
two
end')dnl
define(`wrap', `<$1>')dnl
a three b
three three
wrap(`x
y') after
`quoted
multi line' tail three
ifelse(`a', `a', `
line one
line two
')dnl
c wrap(
1,
2) d
# a comment three
e
dnl
f
define(`nl', `
')x nl y nl z
