define(`a', `first')a
pushdef(`a', `second')a
popdef(`a')a
popdef(`a')a
define(`b', defn(`a'))b
define(`mydef', defn(`define'))mydef(`c', `C')c
undefine(`define')define(`d', `D')d
mydef(`define', defn(`mydef'))define(`d', `D')d
indir(`c')
indir(`mydef', `e', `E')e
builtin(`len', `abcd')
defn(`c', `c')
ifdef(`c', `yes', `no') ifdef(`zz', `yes', `no') ifdef(`zz', `yes')
define(`$x', `dollar')indir(`$x')
define(`empty')empty|
pushdef(`s', 1)pushdef(`s', 2)pushdef(`s', 3)s popdef(`s')s popdef(`s')s popdef(`s')s
undefine(`c', `e')c e
define(`len', `user-defined')len(`abc')
