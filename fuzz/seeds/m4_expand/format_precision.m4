format(`%.65536f',1)
