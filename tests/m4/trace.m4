define(`f', `F($1)')define(`g', `f($1)')dnl
traceon(`f')g(1) traceoff(`f')g(2)
dumpdef(`f', `g', `define')dnl
errprint(`to stderr', `two args
')dnl
__file__ __line__ __program__
m4_define(`x')
dumpdef(`nosuch')
