`plain' ``nested'' `a`b'c' `'empty`'
define(`q', `quoted `inner' text')q
`define(`x', `y')' x
changequote(`[[', `]]')[[multi `char' quotes]] [[nested [[two]] levels]]
define([[w]], [[W]])w [[w]]
changequote
changequote(`<', `>')<angle> `back'
changequote`'`restored'
changequote(`')`no quoting' define(x,y)x
changequote`'`again'
