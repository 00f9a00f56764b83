#!/usr/bin/perl
# AWS's own tools accept every template in ecs/: cfn-lint (the
# CloudFormation linter, with ecs/.cfnlintrc) reports no error, warning or
# informational finding, and the AWS CLI's template loader (the code path
# of `aws cloudformation deploy`, run offline by ecs/cli-load) parses each
# one. Where a tool is missing this fails and says how to install it.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp ();

chdir "$FindBin::Bin/.." or die "cannot enter the repository: $!";

# run CMD...: (exit status, stdout and stderr together)
sub run {
	my @cmd = @_;
	my $pid = open(my $fh, '-|') // die "fork: $!";
	if (!$pid) {
		open(STDERR, '>&', \*STDOUT) or die "dup: $!";
		exec(@cmd) or do { print "cannot run $cmd[0]: $!\n"; exit 127 };
	}
	local $/;
	my $out = <$fh> // '';
	close $fh;
	return ($? >> 8, $out);
}

my $install = 'pip install cfn-lint awscli (Debian packages neither; npm\'s "cfn-lint" is another project)';
my @templates = sort glob('ecs/*.yaml');
cmp_ok(scalar @templates, '>=', 4, 'there are templates to check');

my ($rc, $out) = run('cfn-lint', '--version');
ok($rc == 0 && $out =~ /^cfn-lint (\d+)\./ && $1 >= 1, 'cfn-lint 1.x is installed')
	or diag("cfn-lint is missing: $install\n$out");
($rc, $out) = run('python3', '-c',
	'import awscli.customizations.cloudformation.yamlhelper as y; print(y.yaml_parse.__name__)');
ok($rc == 0 && $out =~ /^yaml_parse$/m, 'the AWS CLI v1 template loader imports in python3')
	or diag("the AWS CLI is missing for python3: $install\n$out");
if (!Test::More->builder->is_passing) {
	done_testing();
	exit 1;
}

# cfn-lint reads ecs/.cfnlintrc when run in ecs/.
my $rc_file = do { local (@ARGV, $/) = ('ecs/.cfnlintrc'); <> };
like($rc_file, qr/^include_checks:\s*\n\s*-\s*I\s*$/m, 'ecs/.cfnlintrc includes the informational checks');
while ($rc_file =~ /^ignore_checks:\s*\n((?:\s*-.*\n)+)/mg) {
	for my $line (split /\n/, $1) {
		like($line, qr/-\s*\S+\s+#\s*\S.{10,}/, "a disabled rule says why: $line");
	}
}
($rc, $out) = run('sh', '-c', 'cd ecs && cfn-lint');
is($rc, 0, 'cfn-lint finds nothing in ecs/*.yaml') or diag($out);
is($out, '', '... and prints nothing');

($rc, $out) = run('ecs/cli-load', @templates);
is($rc, 0, 'the AWS CLI loader parses every template') or diag($out);
for my $t (@templates) {
	like($out, qr/^ok \Q$t\E \(\d+ resources\)$/m, "... $t");
}

# The validator's list of RDS classes (ecs/validate/aws-names.json) holds
# only classes cfn-lint's own data offers for postgres in every region
# listed there that has the class family at all.
($rc, $out) = run('python3', '-c', <<'PY');
import json, os, cfnlint
data = os.path.join(os.path.dirname(cfnlint.__file__),
    'data/schemas/extensions/aws_rds_dbinstance/dbinstanceclass_enum.json')
regions = json.load(open(data))
mine = json.load(open('ecs/validate/aws-names.json'))['rds_postgres_instance_classes']
ours = {f'db.{f}.{s}' for f, sizes in mine.items() if not f.startswith('$') for s in sizes}
offered = set()
for rules in regions.values():
    for c in rules.get('allOf', []):
        p = c['if']['properties']
        if p.get('Engine', {}).get('const') == 'postgres':
            offered |= set(c['then']['properties']['DBInstanceClass']['enum'])
print('classes', len(ours))
for name in sorted(ours - offered):
    print('unknown', name)
PY
is($rc, 0, 'cfn-lint\'s RDS class data reads') or diag($out);
like($out, qr/^classes \d+$/m, '... and the validator lists classes');
unlike($out, qr/^unknown /m, 'every RDS class the validator knows is one cfn-lint knows for postgres') or diag($out);

# Both tools see the difference between YAML 1.1 and 1.2 that the issue
# met: an unquoted ::/0 in a flow mapping.
my $dir = File::Temp::tempdir('ecs-lint-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $bad = "$dir/flow.yaml";
open(my $fh, '>', $bad) or die "write $bad: $!";
print $fh <<'YAML';
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: test
      SecurityGroupIngress:
        - { IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIpv6: ::/0 }
YAML
close $fh;
($rc, $out) = run('ecs/cli-load', $bad);
isnt($rc, 0, 'the AWS CLI loader refuses ::/0 unquoted in a flow mapping');
like($out, qr/^FAIL \Q$bad\E: ParserError: .*line 8/m, '... naming the line') or diag($out);
($rc, $out) = run('cfn-lint', '--', $bad);
like($out, qr/^E0000 /m, 'cfn-lint refuses it too (E0000)') or diag($out);

done_testing();
