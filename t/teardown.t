# Teardown that cannot outlive the code: the module registers nothing that
# runs when a thread or the process exits.
#
# An exiting worker's pool threads used to run a thread-exit destructor of
# the module's (pthread_key_create) after the worker had unloaded it: a
# SEGV at shutdown or reload, now and then.  Per-thread state is now freed
# by the worker itself, after the pool has stopped (ngx_http_overlay_tls.c;
# README, "Reloads, aborts and overload").  The race cannot be made to
# happen on demand, so this checks its precondition in the built module,
# as the dynamic linker sees it: no reference to the functions that
# register exit-time callbacks, and no destructor of its own in
# .fini_array (one entry: the compiler's).  The module from before the fix
# (2f16200^) fails the first check.

use strict;
use warnings;

use Test::More;

my $so = $ENV{TEST_NGINX_LOAD_MODULES} || 'build/ngx_http_overlay_module.so';

plan skip_all => "$so is not built" unless -f $so;

for my $tool (qw(nm readelf)) {
    plan skip_all => "$tool (binutils) is missing"
        unless grep { -x "$_/$tool" } split /:/, $ENV{PATH};
}

my @undefined = `nm -D --undefined-only '$so'`;
is($?, 0, 'nm reads the module');
ok(scalar(grep { /\bdlopen|\bmalloc\b|\bngx_/ } @undefined) > 0,
   'and lists what it needs (nginx\'s and libc\'s functions)');

for my $f (qw(pthread_key_create __cxa_thread_atexit __cxa_thread_atexit_impl
              atexit on_exit __cxa_atexit))
{
    ok(!grep({ /\s\Q$f\E(\@|$)/ } @undefined),
       "no $f: nothing of the module's runs at a thread's or the "
       . 'process\'s exit');
}

my ($fini) = grep { /\.fini_array/ } `readelf -W -S '$so'`;
ok(defined $fini, 'the module has a .fini_array');
my @f = split ' ', ($fini // '') =~ s/^.*\]\s*//r;
# name type address offset size ...
is(hex($f[4] // 0), 8, '.fini_array: one entry, the compiler\'s, no '
   . '__attribute__((destructor)) of the module\'s');

done_testing();
