define(`f', `[$1]')dnl
before f(ok)
f(first,
second,

third
