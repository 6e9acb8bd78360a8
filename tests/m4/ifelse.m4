ifelse(`a', `a', `eq', `ne')
ifelse(`a', `b', `eq', `ne')
ifelse(`a', `b', `eq')|
ifelse(`a', `b', `1', `c', `c', `2', `3')
ifelse(`a', `b', `1', `c', `d', `2', `3')
ifelse(`a', `b', `1', `c', `d', `2')|
ifelse(`only one comment-like argument')|
ifelse(`x', `x', `matched', `a', `a', `not reached')
define(`cmp', `ifelse(`$1', `$2', `same', `different')')cmp(a, a) cmp(a, b)
ifdef(`ifelse', `defined')
