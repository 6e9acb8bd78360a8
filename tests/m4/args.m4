define(`show', `0=`$0' #=$# 1=$1 2=$2 10=$10 11=$11 *=[$*] @=[$@]')dnl
show
show()
show(a)
show( a , b ,c )
show(a,b,c,d,e,f,g,h,i,j,k)
show(`x,y', (p, q), `z')
define(`star', `$*')define(`at', `$@')define(`q', `Q')dnl
star(`q', `q') at(`q', `q')
define(`dollar', `$ $$ $a $')dollar
shift(a, b, c) shift shift() shift(a)
define(`last', `ifelse($#, 1, `$1', `last(shift($@))')')last(a, b, c, d)
define(`rev', `ifelse($#, 0, , $#, 1, `$1', `rev(shift($@)),$1')')rev(1, 2, 3, 4)
define(`args', `$#')args args() args(,) args((a,b))
  show  (x)
show
(y)
