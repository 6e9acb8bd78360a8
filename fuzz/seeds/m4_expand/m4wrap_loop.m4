define(`w',`m4wrap(`w')')w
