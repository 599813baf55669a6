# frames.gdb - what test/emu/test_gdb.py asks gdb of the make DEBUG=1 kernel,
# after scripts/gdb/pagewise.gdb has connected and stopped at kernel_main:
# the first merge step and the first split step, each with its backtrace and
# frame. Each answer follows an "@@ name" line, for the test to cut apart.
hbreak __free_one_page
continue
echo @@ merge-pc\n
info symbol $pc
echo @@ merge-bt\n
bt 3
echo @@ merge-frame\n
info frame
delete
hbreak expand
continue
echo @@ split-pc\n
info symbol $pc
echo @@ split-bt\n
bt 3
echo @@ split-frame\n
info frame
up
echo @@ rmqueue-frame\n
info frame
echo @@ end\n
