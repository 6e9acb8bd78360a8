define(`forloop', `pushdef(`$1', `$2')_forloop($@)popdef(`$1')')dnl
define(`_forloop', `$4`'ifelse($1, `$3', `', `define(`$1', incr($1))$0($@)')')dnl
forloop(`i', `1', `10', `i ')
define(`fact', `ifelse($1, 0, 1, `eval($1 * fact(decr($1)))')')fact(10)
define(`shiftn', `ifelse($1, 0, `shift($*)', `shiftn(decr($1), shift(shift($*)))')')dnl
shiftn(2, a, b, c, d)
define(`count', `ifelse($1, 0, done, `count(decr($1))')')count(500)
define(`join', `ifelse($#, 1, `$1', `$1-join(shift($@))')')join(a, b, c, d, e)
