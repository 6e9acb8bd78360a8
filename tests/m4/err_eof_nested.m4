define(`f', `[$1]')define(`g', `f(')dnl
line two
g
more text
