#!/usr/bin/perl
# The checks fail when they should: each case copies ecs/*.yaml and
# ecs/contract.json into a temporary directory, applies one small patch
# (replace the first occurrence of `from` in `file` with `to`) and expects
# the validator to report the given message, or, for a case of
# tool => 'cfn-lint', cfn-lint to report the given rule on that file. All
# copies are checked by one run of each tool; an unpatched copy must pass.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use File::Copy qw(copy);

chdir "$FindBin::Bin/.." or die "cannot enter the repository: $!";

# Without the npm packages `make test` installs this cannot run: fail, do
# not skip.
my $have_npm = ok(-f 'node_modules/js-yaml/package.json', 'the npm packages are installed')
	or diag('node_modules lacks js-yaml: run `npm ci` in the repository root');
my $have_lint = ok(`cfn-lint --version 2>&1` =~ /^cfn-lint \d/, 'cfn-lint is installed')
	or diag('cfn-lint is missing: pip install cfn-lint awscli');
if (!$have_npm || !$have_lint) {
	done_testing();
	exit 1;
}

my @cases = (
	# --- what cfn-lint owns: the validator leaves these to it ---------------
	{ name => 'health check interval out of range', file => 'cluster.yaml', tool => 'cfn-lint',
	  from => 'HealthCheckIntervalSeconds: 10', to => 'HealthCheckIntervalSeconds: 900', expect => 'E3034' },
	{ name => 'VpcId given a route table', file => 'network.yaml', tool => 'cfn-lint',
	  from => "      VpcId: !Ref Vpc\n      AmazonProvidedIpv6CidrBlock", to => "      VpcId: !Ref PublicRouteTable\n      AmazonProvidedIpv6CidrBlock", expect => 'E1041' },
	{ name => 'Snapshot deletion policy on a log group', file => 'service.yaml', tool => 'cfn-lint',
	  from => "    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n    Properties:\n      RetentionInDays",
	  to => "    DeletionPolicy: Snapshot\n    UpdateReplacePolicy: Retain\n    Properties:\n      RetentionInDays", expect => 'E3035' },
	{ name => 'IAM effect misspelt', file => 'service.yaml', tool => 'cfn-lint',
	  from => '- Effect: Allow', to => '- Effect: Alow', expect => 'E3530' },
	{ name => 'IAM action misspelt', file => 'service.yaml', tool => 'cfn-lint',
	  from => 'Action: secretsmanager:GetSecretValue', to => 'Action: secretsmanager:GetSecretValu', expect => 'W3037' },
	{ name => 'task of 4096 CPU and 512 MiB (cfn-lint)', file => 'database.yaml', tool => 'cfn-lint',
	  from => 'Cpu: "256"', to => 'Cpu: "4096"', expect => 'E3047' },
	{ name => 'awslogs option misspelt', file => 'service.yaml', tool => 'cfn-lint',
	  from => 'awslogs-region: !Ref AWS::Region', to => 'awslogs-regoin: !Ref AWS::Region', expect => 'E3046' },
	{ name => 'engine version that does not exist', file => 'database.yaml', tool => 'cfn-lint',
	  from => 'EngineVersion: "17.6"', to => 'EngineVersion: "15.99"', expect => 'E3691' },
	{ name => 'misspelt property', file => 'service.yaml', tool => 'cfn-lint',
	  from => 'DesiredCount: !Ref DesiredCount', to => 'DesiredCont: !Ref DesiredCount', expect => 'E3002' },
	{ name => 'unknown resource type', file => 'cluster.yaml', tool => 'cfn-lint',
	  from => 'Type: AWS::ECS::Cluster', to => 'Type: AWS::ECS::Clusters', expect => 'E3006' },
	{ name => 'required property removed', file => 'network.yaml', tool => 'cfn-lint',
	  from => "      GroupDescription: hours tasks\n", to => '', expect => 'E3003' },
	{ name => 'value of the wrong type', file => 'service.yaml', tool => 'cfn-lint',
	  from => 'HealthCheckGracePeriodSeconds: 60', to => 'HealthCheckGracePeriodSeconds: soon', expect => 'E3012' },
	{ name => 'Ref to nothing', file => 'service.yaml', tool => 'cfn-lint',
	  from => 'TaskDefinition: !Ref TaskDefinition', to => 'TaskDefinition: !Ref TaskDefinitions', expect => 'E1020' },
	{ name => 'GetAtt of an attribute the type lacks', file => 'database.yaml', tool => 'cfn-lint',
	  from => 'Value: !GetAtt Database.Endpoint.Address }', to => 'Value: !GetAtt Database.Endpoint.Adress }', expect => 'E1010' },
	{ name => 'Sub variable that does not exist', file => 'service.yaml', tool => 'cfn-lint',
	  from => '/usr/local/bin/astro-${ServiceName}', to => '/usr/local/bin/astro-${ServiceNmae}', expect => 'E1019' },
	{ name => 'undefined condition', file => 'network.yaml', tool => 'cfn-lint',
	  from => 'Condition: ThreeAzs', to => 'Condition: ThreeAZs', expect => 'E3015' },

	# --- the validator's own parse and cross-stack evaluation ---------------
	{ name => 'unparsable YAML', file => 'cluster.yaml',
	  from => 'Values: ["/hours*"]', to => 'Values: ["/hours*"',
	  expect => '[yaml-parse] cluster.yaml' },
	{ name => 'Ref to a resource its condition leaves out', file => 'network.yaml',
	  from => '- !Join [",", [!Ref PublicSubnet1, !Ref PublicSubnet2]]',
	  to => '- !Join [",", [!Ref PublicSubnet1, !Ref PublicSubnet2, !Ref PublicSubnet3]]',
	  expect => '[evaluate] network.yaml Outputs.PublicSubnets: Ref PublicSubnet3, which is not created when condition ThreeAzs is false' },
	{ name => 'import nobody exports', file => 'service.yaml',
	  from => '-PrivateSubnets" }]', to => '-PrivatSubnets" }]',
	  expect => 'Fn::ImportValue ${network stack}-PrivatSubnets matches no export of any template' },

	# --- names and sizes AWS accepts that no schema lists --------------------
	{ name => 'two listener rules with one priority', file => 'cluster.yaml',
	  from => 'Priority: 20', to => 'Priority: 10',
	  expect => '[listener-priorities] cluster.yaml Resources.HoursRule.Properties.Priority: priority 10 is also SignupRule\'s' },
	{ name => 'load balancer attribute misspelt', file => 'cluster.yaml',
	  from => 'Key: routing.http.drop_invalid_header_fields.enabled', to => 'Key: routing.http.drop_invalid_headers.enabled',
	  expect => '[lb-attributes] cluster.yaml Resources.LoadBalancer.Properties.LoadBalancerAttributes[0]: routing.http.drop_invalid_headers.enabled is not an Application Load Balancer attribute' },
	{ name => 'target group attribute misspelt', file => 'cluster.yaml',
	  from => 'Key: load_balancing.algorithm.type', to => 'Key: load_balancing.algorithm',
	  expect => 'load_balancing.algorithm is not an Application Load Balancer target group attribute' },
	{ name => 'made-up SslPolicy', file => 'cluster.yaml',
	  from => 'SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06', to => 'SslPolicy: ELBSecurityPolicy-TLS13-1-2-2024-01',
	  expect => '[ssl-policy] cluster.yaml Resources.HttpsListener.Properties.SslPolicy: ELBSecurityPolicy-TLS13-1-2-2024-01 is not an Elastic Load Balancing security policy' },
	{ name => 'database class that does not exist', file => 'database.yaml',
	  from => '      - db.r7g.large', to => '      - db.r7g.medium',
	  expect => '[db-instance-class] database.yaml Parameters.DbInstanceClass: db.r7g.medium is not an RDS for PostgreSQL instance class' },
	{ name => 'database class free to take any value', file => 'database.yaml',
	  from => "    Default: db.m7g.large\n    AllowedValues:", to => "    Default: db.m7g.large\n    AllowedPattern: '^db\\..*'\n    Unused:",
	  expect => 'DBInstanceClass comes from parameter DbInstanceClass, which does not list its values; give it AllowedValues' },
	{ name => 'burstable database by default', file => 'database.yaml',
	  from => "    Default: db.m7g.large\n    AllowedValues:\n", to => "    Default: db.t4g.medium\n    AllowedValues:\n      - db.t4g.medium\n",
	  expect => 'DBInstanceClass: db.t4g.medium is burstable' },
	{ name => 'task of 4096 CPU and 512 MiB', file => 'database.yaml',
	  from => 'Cpu: "256"', to => 'Cpu: "4096"',
	  expect => '[fargate-size] database.yaml Resources.MigrateTaskDefinition: 4096 CPU units with 512 MiB is not a Fargate task size' },
	{ name => 'size pair no rule refuses', file => 'service.yaml',
	  from => 'Assert: !Contains [["8192", "16384"], !Ref TaskMemory]', to => 'Assert: !Contains [["512", "8192", "16384"], !Ref TaskMemory]',
	  expect => '[fargate-size] service.yaml (signup) Rules: the parameters allow CPU/MiB 4096/512, which are not Fargate task sizes, and no rule refuses them before the deploy' },
	{ name => 'rules refusing a real size', file => 'service.yaml',
	  from => 'Assert: !Contains [["512", "1024", "2048"], !Ref TaskMemory]', to => 'Assert: !Contains [["512", "1024"], !Ref TaskMemory]',
	  expect => '256 CPU units with 2048 MiB is a Fargate task size, but the rules refuse it ("TaskCpu 256 takes TaskMemory 512, 1024 or 2048")' },

	# --- the database ------------------------------------------------------
	{ name => 'public database', file => 'database.yaml',
	  from => 'PubliclyAccessible: false', to => 'PubliclyAccessible: true',
	  expect => '[rds] database.yaml Resources.Database.Properties.PubliclyAccessible: database is publicly accessible (PubliclyAccessible is true; it must be false)' },
	{ name => 'single-AZ database', file => 'database.yaml',
	  from => 'MultiAZ: true', to => 'MultiAZ: false',
	  expect => '[rds] database.yaml Resources.Database.Properties.MultiAZ: database is not Multi-AZ' },
	{ name => 'unencrypted database', file => 'database.yaml',
	  from => 'StorageEncrypted: true', to => 'StorageEncrypted: false',
	  expect => 'database storage is not encrypted' },
	{ name => 'database without deletion protection', file => 'database.yaml',
	  from => 'DeletionProtection: true', to => 'DeletionProtection: false',
	  expect => 'database has no deletion protection' },
	{ name => 'one day of backups', file => 'database.yaml',
	  from => "Default: 7\n    MinValue: 7", to => "Default: 1\n    MinValue: 1",
	  expect => 'BackupRetentionPeriod is 1; it must be at least 7' },
	{ name => 'backups that a parameter may shorten', file => 'database.yaml',
	  from => "Default: 7\n    MinValue: 7", to => "Default: 7\n    MinValue: 1",
	  expect => 'BackupRetentionPeriod comes from parameter BackupRetentionDays, which allows values below 7' },
	{ name => 'master password not managed', file => 'database.yaml',
	  from => 'ManageMasterUserPassword: true', to => 'ManageMasterUserPassword: false',
	  expect => 'master password is not managed by Secrets Manager' },
	{ name => 'PostgreSQL 15, which RDS no longer creates', file => 'database.yaml',
	  from => 'EngineVersion: "17.6"', to => 'EngineVersion: "15.12"',
	  expect => 'engine version is 15.12, not PostgreSQL 16 or 17' },
	{ name => 'parameter group of another major', file => 'database.yaml',
	  from => 'Family: postgres17', to => 'Family: postgres16',
	  expect => 'parameter group family is postgres16, not postgres17 like the engine' },
	{ name => 'AWS-managed storage key', file => 'database.yaml',
	  from => "      KmsKeyId: !GetAtt DbKey.Arn\n", to => '',
	  expect => '[rds] database.yaml Resources.Database.Properties.KmsKeyId: storage is not encrypted with a customer-managed key of this deployment (KmsKeyId)' },
	{ name => 'database key that never rotates', file => 'database.yaml',
	  from => 'EnableKeyRotation: true', to => 'EnableKeyRotation: false',
	  expect => '[rds] database.yaml Resources.DbKey: database key does not rotate (EnableKeyRotation)' },
	{ name => 'no Enhanced Monitoring', file => 'database.yaml',
	  from => 'MonitoringInterval: 60', to => 'MonitoringInterval: 0',
	  expect => 'Enhanced Monitoring is off' },
	{ name => 'logs not exported', file => 'database.yaml',
	  from => 'EnableCloudwatchLogsExports: [postgresql, upgrade]', to => 'EnableCloudwatchLogsExports: [upgrade]',
	  expect => 'the postgresql log is not exported to CloudWatch Logs' },
	{ name => 'slow statements not logged', file => 'database.yaml',
	  from => "        log_min_duration_statement: !Ref SlowStatementMs\n", to => '',
	  expect => 'parameter group does not set log_min_duration_statement' },
	{ name => 'autovacuum not logged', file => 'database.yaml',
	  from => "        log_autovacuum_min_duration: \"1000\"\n", to => '',
	  expect => 'parameter group does not set log_autovacuum_min_duration' },
	{ name => 'login secret deleted with the stack', file => 'database.yaml',
	  from => "  SignupLoginSecret:\n    Type: AWS::SecretsManager::Secret\n    DeletionPolicy: Retain", to => "  SignupLoginSecret:\n    Type: AWS::SecretsManager::Secret\n    DeletionPolicy: Delete",
	  expect => 'signup login secret goes with the stack (DeletionPolicy is not Retain)' },
	{ name => 'SSL not forced', file => 'database.yaml',
	  from => 'rds.force_ssl: "1"', to => 'rds.force_ssl: "0"',
	  expect => 'parameter group does not set rds.force_ssl = 1' },
	{ name => 'database in the private subnets', file => 'database.yaml',
	  from => '-IsolatedSubnets" }]', to => '-PrivateSubnets" }]',
	  expect => 'database subnet group uses «network:PrivateSubnet1», a private subnet; only isolated subnets are allowed' },
	{ name => 'no final snapshot', file => 'database.yaml',
	  from => 'DeletionPolicy: Snapshot', to => 'DeletionPolicy: Delete',
	  expect => 'DeletionPolicy is Delete; deleting the stack would drop the data' },
	{ name => 'no free-memory alarm', file => 'database.yaml',
	  from => 'MetricName: FreeableMemory', to => 'MetricName: SwapUsage',
	  expect => '[alarms] database.yaml Resources.Database: no CloudWatch alarm on FreeableMemory' },

	# --- rotation of the login secrets ----------------------------------------------
	{ name => 'rotation without a schedule', file => 'database.yaml',
	  from => "      RotationRules:\n        ScheduleExpression: cron(0 2 1 * ? *)\n        Duration: 3h\n", to => '',
	  expect => '[login-rotation] database.yaml Resources.SignupLoginRotation.Properties.RotationRules: signup login secret has a rotation function but no schedule' },
	{ name => 'single-user rotation', file => 'database.yaml',
	  from => 'RotationType: PostgreSQLMultiUser', to => 'RotationType: PostgreSQLSingleUser',
	  expect => '[login-rotation] database.yaml Resources.SignupLoginRotation.Properties.HostedRotationLambda.RotationType: rotation type PostgreSQLSingleUser, not PostgreSQLMultiUser' },
	{ name => 'rotation function outside the VPC', file => 'database.yaml',
	  from => "        VpcSubnetIds: !ImportValue { \"Fn::Sub\": \"\${NetworkStack}-PrivateSubnets\" }\n        VpcSecurityGroupIds: !ImportValue { \"Fn::Sub\": \"\${NetworkStack}-RotationSecurityGroup\" }\n", to => '',
	  expect => '[login-rotation] database.yaml Resources.SignupLoginRotation.Properties.HostedRotationLambda: the rotation function runs outside the VPC' },
	{ name => 'rotation function in the public subnets', file => 'database.yaml',
	  from => 'VpcSubnetIds: !ImportValue { "Fn::Sub": "${NetworkStack}-PrivateSubnets" }', to => 'VpcSubnetIds: !ImportValue { "Fn::Sub": "${NetworkStack}-PublicSubnets" }',
	  expect => 'rotation function uses «network:PublicSubnet1», a public subnet; only private subnets are allowed' },
	{ name => 'rotation group the database does not admit', file => 'network.yaml',
	  from => "      SourceSecurityGroupId: !Ref RotationSecurityGroup\n", to => "      SourceSecurityGroupId: !Ref MigrateTaskSecurityGroup\n",
	  expect => '[login-rotation] database.yaml Resources.SignupLoginRotation.Properties.HostedRotationLambda.VpcSecurityGroupIds: RotationSecurityGroup may not reach the database on 5432' },
	{ name => 'rotation group with a way out', file => 'network.yaml',
	  from => "        - { IpProtocol: tcp, FromPort: 443, ToPort: 443, DestinationSecurityGroupId: !Ref EndpointSecurityGroup, Description: \"Secrets Manager and RDS endpoints\" }\n",
	  to => "        - { IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0, Description: \"Secrets Manager and RDS endpoints\" }\n",
	  expect => ['RotationSecurityGroup may connect to port 443 of 0.0.0.0/0, which no rotation flow of contract.json allows',
	             'RotationSecurityGroup does not let 443 out to endpoints, which flow rotation-to-endpoints of contract.json needs'] },
	{ name => 'login secret not rotated', file => 'database.yaml',
	  from => 'SecretId: !Ref SignupLoginSecret', to => 'SecretId: !Ref HoursLoginSecret',
	  expect => ['[login-rotation] database.yaml Resources.SignupLoginSecret: signup login secret has 0 rotation schedules; it needs one',
	             '[login-rotation] database.yaml Resources.HoursLoginSecret: hours login secret has 2 rotation schedules; it needs one'] },
	{ name => 'rotation at creation, before the roles exist', file => 'database.yaml',
	  from => 'RotateImmediatelyOnUpdate: false', to => 'RotateImmediatelyOnUpdate: true',
	  expect => 'set RotateImmediatelyOnUpdate: false' },
	{ name => 'rotation with another master', file => 'database.yaml',
	  from => "        MasterSecretArn: !GetAtt Database.MasterUserSecret.SecretArn\n", to => "        MasterSecretArn: !Ref HoursLoginSecret\n",
	  expect => "SignupLoginRotation.Properties.HostedRotationLambda.MasterSecretArn: the rotation function must log in with the database's master secret" },
	{ name => 'login secret the rotation cannot read', file => 'database.yaml',
	  from => '"ssl": true, "username": "astro_signup_login", ', to => '"ssl": true, ',
	  expect => '[login-rotation] database.yaml Resources.SignupLoginSecret.Properties.GenerateSecretString: signup login secret must be the JSON the rotation function reads' },
	{ name => 'task reads the whole login secret as its password', file => 'service.yaml',
	  from => '- "${Arn}:password::"', to => '- "${Arn}"',
	  expect => '[login-rotation] service.yaml (signup) Resources.TaskDefinition: signup app must read PGUSER and PGPASSWORD from the username and password of its login secret' },
	{ name => 'tasks replaced during the rotation window', file => 'service.yaml',
	  from => 'ScheduleExpression: cron(0 6 1 * ? *)', to => 'ScheduleExpression: cron(0 4 1 * ? *)',
	  expect => '[login-rotation] service.yaml (signup) Resources.RedeployAfterRotation.Properties.ScheduleExpression: cron(0 4 1 * ? *) (UTC) is not after each rotation window (cron(0 2 1 * ? *) UTC for 3h)' },
	{ name => 'tasks never replaced after a rotation', file => 'service.yaml',
	  from => '"ForceNewDeployment": true', to => '"ForceNewDeployment": false',
	  expect => '[login-rotation] service.yaml (signup) Resources.Service: signup service is never redeployed after a rotation' },
	{ name => 'migration without the current login', file => 'database.yaml',
	  from => "            - { Name: SIGNUP_DB_USER, ValueFrom: !Sub \"\${SignupLoginSecret}:username::\" }\n", to => '',
	  expect => '[migrate-task] database.yaml Resources.MigrateTaskDefinition: migrate gets no SIGNUP_DB_USER through Secrets' },

	# --- tiers and the load balancer's place ------------------------------------
	{ name => 'private subnets routed to the internet', file => 'network.yaml',
	  from => "  PrivateSubnet1Routes:\n",
	  to => "  PrivateDefaultRoute:\n    Type: AWS::EC2::Route\n    DependsOn: InternetGatewayAttachment\n    Properties:\n"
	      . "      RouteTableId: !Ref PrivateRouteTable\n      DestinationCidrBlock: 0.0.0.0/0\n      GatewayId: !Ref InternetGateway\n\n"
	      . "  PrivateSubnet1Routes:\n",
	  expect => '[subnet-tiers] network.yaml Resources.PrivateSubnet1: private subnet has a route to an internet gateway' },
	{ name => 'internal load balancer', file => 'cluster.yaml',
	  from => 'Scheme: internet-facing', to => 'Scheme: internal',
	  expect => '[alb-public] cluster.yaml Resources.LoadBalancer.Properties.Scheme: load balancer scheme is internal, not internet-facing' },

	# --- security groups -----------------------------------------------------
	{ name => 'database open to the world on 5432', file => 'network.yaml',
	  from => "      GroupDescription: PostgreSQL, 5432 from the task groups only\n",
	  to => "      GroupDescription: PostgreSQL, 5432 from the task groups only\n"
	      . "      SecurityGroupIngress:\n"
	      . "        - { IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: 0.0.0.0/0 }\n",
	  expect => ['[db-sg-ingress] network.yaml Resources.DatabaseSecurityGroup.Properties.SecurityGroupIngress[0]: database group admits port 5432 from 0.0.0.0/0; only 5432 from the task security groups',
	             '[no-world-ingress] network.yaml Resources.DatabaseSecurityGroup.Properties.SecurityGroupIngress[0]: DatabaseSecurityGroup admits port 5432 from 0.0.0.0/0'] },
	{ name => 'database reachable from the load balancer', file => 'network.yaml',
	  from => 'SourceSecurityGroupId: !Ref SignupTaskSecurityGroup', to => 'SourceSecurityGroupId: !Ref AlbSecurityGroup',
	  expect => 'database group admits port 5432 from security group «network:AlbSecurityGroup»' },
	{ name => 'sidecar open to the world instead of the ALB', file => 'network.yaml',
	  from => 'SourceSecurityGroupId: !Ref AlbSecurityGroup', to => 'CidrIp: 0.0.0.0/0',
	  expect => ['signup task group does not admit port 8080 from the load balancer\'s group',
	             '[task-sg-ingress] network.yaml Resources.SignupFromAlb: signup task group admits port 8080 from 0.0.0.0/0'] },
	{ name => 'metrics open to the world', file => 'network.yaml',
	  from => 'FromPort: 9100, ToPort: 9100, CidrIp: !GetAtt Vpc.CidrBlock', to => 'FromPort: 9100, ToPort: 9100, CidrIp: 0.0.0.0/0',
	  expect => '[metrics-from-vpc] network.yaml Resources.SignupTaskSecurityGroup.Properties.SecurityGroupIngress[0]: SignupTaskSecurityGroup admits metrics port 9100 from 0.0.0.0/0; only from the VPC CIDR' },
	{ name => 'load balancer open on another port', file => 'network.yaml',
	  from => 'FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0, Description: HTTPS }', to => 'FromPort: 22, ToPort: 443, CidrIp: 0.0.0.0/0, Description: HTTPS }',
	  expect => 'load balancer group admits ports 22-443 from 0.0.0.0/0; only 80 and 443' },
	{ name => 'FastCGI port published', file => 'service.yaml',
	  from => '- { ContainerPort: 9100, Protocol: tcp, Name: metrics }', to => '- { ContainerPort: 9000, Protocol: tcp, Name: metrics }',
	  expect => 'container app maps the FastCGI port 9000' },
	{ name => 'FastCGI port published by the sidecar', file => 'service.yaml',
	  from => "- { ContainerPort: 9101, Protocol: tcp, Name: stub-status }\n",
	  to => "- { ContainerPort: 9101, Protocol: tcp, Name: stub-status }\n            - { ContainerPort: 9000, Protocol: tcp, Name: fcgi }\n",
	  expect => ['container nginx maps the FastCGI port 9000', 'nginx maps port 9000, which the contract does not publish'] },
	{ name => 'FastCGI port admitted from the VPC', file => 'network.yaml',
	  from => "      GroupDescription: signup tasks\n      VpcId: !Ref Vpc\n      SecurityGroupIngress:\n",
	  to => "      GroupDescription: signup tasks\n      VpcId: !Ref Vpc\n      SecurityGroupIngress:\n"
	      . "        - { IpProtocol: tcp, FromPort: 9000, ToPort: 9000, CidrIp: !GetAtt Vpc.CidrBlock }\n",
	  expect => ['[fcgi-not-exposed] network.yaml Resources.SignupTaskSecurityGroup.Properties.SecurityGroupIngress[0]: SignupTaskSecurityGroup admits the FastCGI port 9000',
	             'signup task group admits port 9000 from «network:Vpc.CidrBlock»'] },
	{ name => 'stub_status closed to the VPC', file => 'network.yaml',
	  from => "        - { IpProtocol: tcp, FromPort: 9101, ToPort: 9101, CidrIp: !GetAtt Vpc.CidrBlock, Description: nginx stub_status from inside the VPC }\n",
	  to => '',
	  expect => '[metrics-from-vpc] network.yaml Resources.SignupTaskSecurityGroup: signup task group does not admit metrics port 9101 from the VPC CIDR; nothing could scrape it' },

	# --- the flows of contract.json, both ways ---------------------------------
	{ name => 'a flow the security groups lack', file => 'contract.json',
	  from => '"from": "task", "to": "database", "ports": [5432]', to => '"from": "task", "to": "database", "ports": [5432, 6432]',
	  expect => ['[sg-flows] network.yaml Resources.DatabaseSecurityGroup: DatabaseSecurityGroup does not admit 6432 from task, which flow tasks-to-database of contract.json allows',
	             '[sg-flows] network.yaml Resources.HoursTaskSecurityGroup: HoursTaskSecurityGroup does not let 6432 out to database'] },
	{ name => 'a security group rule no flow allows', file => 'network.yaml',
	  from => "      GroupDescription: PostgreSQL, 5432 from the task groups only\n      VpcId: !Ref Vpc\n      # The database never opens connections; replace the default allow-all.\n      SecurityGroupEgress:\n",
	  to => "      GroupDescription: PostgreSQL, 5432 from the task groups only\n      VpcId: !Ref Vpc\n      # The database never opens connections; replace the default allow-all.\n      SecurityGroupEgress:\n"
	      . "        - { IpProtocol: tcp, FromPort: 8080, ToPort: 8080, DestinationSecurityGroupId: !Ref BoardTaskSecurityGroup }\n",
	  expect => '[sg-flows] network.yaml Resources.DatabaseSecurityGroup.Properties.SecurityGroupEgress[0]: DatabaseSecurityGroup may connect to port 8080 of task: no flow of contract.json allows database -> task on 8080' },
	{ name => 'a flow dropped from the contract only', file => 'contract.json',
	  from => '"from": "alb", "to": "task", "ports": [8080]', to => '"from": "alb", "to": "task", "ports": [8081]',
	  expect => ['[sg-flows] network.yaml Resources.SignupFromAlb: SignupTaskSecurityGroup may admit port 8080 from alb: no flow of contract.json allows alb -> task on 8080',
	             'AlbSecurityGroup may connect to port 8080 of task: no flow of contract.json allows alb -> task on 8080',
	             'BoardTaskSecurityGroup does not admit 8081 from alb, which flow targets of contract.json allows'] },
	{ name => 'metrics admitted from the load balancer', file => 'network.yaml',
	  from => 'FromPort: 9100, ToPort: 9100, CidrIp: !GetAtt Vpc.CidrBlock', to => 'FromPort: 9100, ToPort: 9100, SourceSecurityGroupId: !Ref AlbSecurityGroup',
	  expect => 'SignupTaskSecurityGroup may admit port 9100 from alb: no flow of contract.json allows alb -> task on 9100' },

	# --- load balancer -----------------------------------------------------------
	{ name => 'listener rule missing a route', file => 'cluster.yaml',
	  from => 'Values: ["/signup*", "/login*", "/logout*"]', to => 'Values: ["/signup*", "/login*"]',
	  expect => ['[listener-routes] cluster.yaml Resources.HttpsListener: no listener rule sends /logout* to signup',
	             'a request for /logout reaches board, not signup'] },
	{ name => 'route sent to the wrong service', file => 'cluster.yaml',
	  from => "TargetGroupArn: !Ref HoursTargetGroup\n", to => "TargetGroupArn: !Ref BoardTargetGroup\n",
	  expect => 'a request for /hours reaches board, not hours' },
	{ name => 'health check on a path the sidecar does not serve', file => 'cluster.yaml',
	  from => 'HealthCheckPath: /healthz', to => 'HealthCheckPath: /health',
	  expect => '[target-groups] cluster.yaml Resources.SignupTargetGroup.Properties.HealthCheckPath: health check path /health is not /healthz, which the sidecar serves' },
	{ name => 'default deregistration delay', file => 'cluster.yaml',
	  from => '{ Key: deregistration_delay.timeout_seconds, Value: "30" }', to => '{ Key: deregistration_delay.timeout_seconds, Value: "300" }',
	  expect => 'deregistration delay is 300 s; it must be longer than the 20 s drain and shorter than 300 s' },
	{ name => 'deregistration shorter than the drain', file => 'cluster.yaml',
	  from => '{ Key: deregistration_delay.timeout_seconds, Value: "30" }', to => '{ Key: deregistration_delay.timeout_seconds, Value: "10" }',
	  expect => 'deregistration delay is 10 s' },
	{ name => 'instance target group', file => 'cluster.yaml',
	  from => 'TargetType: ip', to => 'TargetType: instance',
	  expect => 'target type is instance; awsvpc tasks need ip' },
	{ name => 'weak TLS policy with a certificate', file => 'cluster.yaml',
	  from => 'SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06', to => 'SslPolicy: ELBSecurityPolicy-2016-08',
	  expect => '[https-listener] cluster.yaml Resources.HttpsListener.Properties.SslPolicy: HTTPS listener policy ELBSecurityPolicy-2016-08 allows TLS below 1.2' },
	{ name => 'HTTP forwarding instead of redirecting', file => 'cluster.yaml',
	  from => "        - Type: redirect\n          RedirectConfig:\n            Protocol: HTTPS\n            Port: \"443\"\n            Host: \"#{host}\"\n            Path: \"/#{path}\"\n            Query: \"#{query}\"\n            StatusCode: HTTP_301\n",
	  to => "        - Type: forward\n          TargetGroupArn: !Ref BoardTargetGroup\n",
	  expect => '[https-listener] cluster.yaml Resources.HttpListener: HTTP listener does not only redirect to HTTPS' },
	{ name => 'a route on the HTTP listener', file => 'cluster.yaml',
	  from => "      ListenerArn: !Ref HttpsListener\n      Priority: 20", to => "      ListenerArn: !Ref HttpListener\n      Priority: 20",
	  expect => '[https-listener] cluster.yaml Resources.HoursRule: listener rule on the HTTP listener would answer over plain HTTP' },
	{ name => 'deployable without a certificate', file => 'cluster.yaml',
	  from => "  CertificateArn:\n    Type: String\n", to => "  CertificateArn:\n    Type: String\n    Default: \"\"\n",
	  expect => '[https-listener] cluster.yaml Parameters.CertificateArn: CertificateArn may be left empty' },
	{ name => 'health public through the load balancer', file => 'cluster.yaml',
	  from => 'Values: ["/healthz", "/healthz/*"]', to => 'Values: ["/health", "/health/*"]',
	  expect => '[health-not-public] cluster.yaml Resources.HttpsListener: /healthz is not answered with a fixed 404 by listener HttpsListener\'s first matching rule, so a task\'s health is public' },
	{ name => 'Container Insights off', file => 'cluster.yaml',
	  from => 'Value: enabled', to => 'Value: disabled',
	  expect => 'cluster has Container Insights off' },

	# --- ECS services and tasks ---------------------------------------------------
	{ name => 'task with a public IP', file => 'service.yaml',
	  from => 'AssignPublicIp: DISABLED', to => 'AssignPublicIp: ENABLED',
	  expect => '[ecs-private-subnets] service.yaml (signup) Resources.Service.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp: AssignPublicIp is ENABLED; tasks must not get a public IP (DISABLED)' },
	{ name => 'tasks in the public subnets', file => 'service.yaml',
	  from => '-PrivateSubnets" }]', to => '-PublicSubnets" }]',
	  expect => 'signup service uses «network:PublicSubnet1», a public subnet; only private subnets are allowed' },
	{ name => 'EC2 launch type', file => 'service.yaml',
	  from => 'LaunchType: FARGATE', to => 'LaunchType: EC2',
	  expect => '[ecs-fargate] service.yaml (hours) Resources.Service: launch type is EC2, not FARGATE' },
	{ name => 'one task', file => 'service.yaml',
	  from => "Default: 2\n    MinValue: 2", to => "Default: 1\n    MinValue: 1",
	  expect => 'board DesiredCount is 1; it must be at least 2' },
	{ name => 'an autoscaling floor of one', file => 'service.yaml',
	  from => "  MinCount:\n    Type: Number\n    Default: 2\n    MinValue: 2", to => "  MinCount:\n    Type: Number\n    Default: 2\n    MinValue: 1",
	  expect => 'signup autoscaling MinCapacity comes from parameter MinCount, which allows values below 2' },
	{ name => 'circuit breaker without rollback', file => 'service.yaml',
	  from => 'Rollback: true', to => 'Rollback: false',
	  expect => 'deployment circuit breaker needs Enable and Rollback true' },
	{ name => 'sidecar port changed in the contract only', file => 'contract.json',
	  from => '"listen_port": 8080', to => '"listen_port": 8081',
	  expect => ['target port 8080 is not the sidecar\'s 8081',
	             'registers nginx:8080, not nginx:8081'] },
	{ name => 'sidecar mapped on another port', file => 'service.yaml',
	  from => '- { ContainerPort: 8080, Protocol: tcp, Name: http }', to => '- { ContainerPort: 80, Protocol: tcp, Name: http }',
	  expect => ['nginx does not map the sidecar\'s listen port 8080', 'nginx maps port 80, which the contract does not publish'] },
	{ name => 'nginx started before the app is healthy', file => 'service.yaml',
	  from => 'Condition: HEALTHY', to => 'Condition: START',
	  expect => 'nginx must depend on app with condition HEALTHY' },
	{ name => 'app health check on the wrong binary', file => 'service.yaml',
	  from => '!Sub "/usr/local/bin/astro-${ServiceName}"', to => '/usr/local/bin/astro',
	  expect => 'app health check is ["CMD","/usr/local/bin/astro","--healthcheck"], not ["CMD","/usr/local/bin/astro-signup","--healthcheck"]' },
	{ name => 'stop timeout inside the drain', file => 'service.yaml',
	  from => 'StopTimeout: 30', to => 'StopTimeout: 10',
	  expect => 'app stopTimeout is 10; it must be over the 20 s drain and at most 120' },
	{ name => 'writable root filesystem', file => 'service.yaml',
	  from => 'ReadonlyRootFilesystem: true', to => 'ReadonlyRootFilesystem: false',
	  expect => 'app root filesystem is writable (ReadonlyRootFilesystem)' },
	{ name => 'container as root', file => 'service.yaml',
	  from => 'User: "10001:10001"', to => 'User: "0"',
	  expect => 'app runs as root; set User to a non-root uid' },
	{ name => 'password in the environment', file => 'service.yaml',
	  from => "- { Name: PGSSLMODE, Value: verify-full }\n",
	  to => "- { Name: PGSSLMODE, Value: verify-full }\n            - { Name: PGPASSWORD, Value: hunter2 }\n",
	  expect => 'app sets PGPASSWORD in Environment; pass it through Secrets' },
	{ name => 'logs kept forever', file => 'service.yaml',
	  from => 'RetentionInDays: !Ref LogRetentionDays', to => 'LogGroupClass: STANDARD',
	  expect => 'log group keeps logs forever; set RetentionInDays' },
	{ name => 'database certificate not verified', file => 'service.yaml',
	  from => 'Name: PGSSLMODE, Value: verify-full', to => 'Name: PGSSLMODE, Value: require',
	  expect => '[app-environment] service.yaml (signup) Resources.TaskDefinition: app PGSSLMODE is require, not verify-full' },
	{ name => 'database CA bundle elsewhere', file => 'service.yaml',
	  from => 'Name: PGSSLROOTCERT, Value: /etc/ssl/certs/rds-global-bundle.pem', to => 'Name: PGSSLROOTCERT, Value: /etc/ssl/certs/ca-certificates.crt',
	  expect => 'app PGSSLROOTCERT is /etc/ssl/certs/ca-certificates.crt, not /etc/ssl/certs/rds-global-bundle.pem' },
	{ name => 'any server taken, read-only too', file => 'service.yaml',
	  from => "            - { Name: PGTARGETSESSIONATTRS, Value: read-write }\n", to => '',
	  expect => 'app PGTARGETSESSIONATTRS is (unset), not read-write' },
	{ name => 'migration without certificate check', file => 'database.yaml',
	  from => 'Name: PGSSLMODE, Value: verify-full', to => 'Name: PGSSLMODE, Value: require',
	  expect => '[migrate-task] database.yaml Resources.MigrateTaskDefinition: migrate PGSSLMODE is require, not verify-full' },
	{ name => 'no CSRF secret', file => 'service.yaml',
	  from => "            - Name: CSRF_SECRET\n              ValueFrom: !ImportValue { \"Fn::Sub\": \"\${ClusterStack}-CsrfSecretArn\" }\n", to => '',
	  expect => '[container-secrets] service.yaml (signup) Resources.TaskDefinition: signup app gets no CSRF_SECRET from a Secrets Manager secret the stack generates' },
	{ name => 'wrong database login', file => 'service.yaml',
	  from => "            - { Name: PGDATABASE, Value: astronaut_hours }\n",
	  to => "            - { Name: PGDATABASE, Value: astronaut_hours }\n            - { Name: PGUSER, Value: astro_admin }\n",
	  expect => '[app-environment] service.yaml (signup) Resources.TaskDefinition: app sets PGUSER in Environment; it comes from the login secret' },
	{ name => 'app metrics on loopback', file => 'service.yaml',
	  from => '- { Name: METRICS_LISTEN, Value: "0.0.0.0:9100" }', to => '- { Name: METRICS_LISTEN, Value: "127.0.0.1:9100" }',
	  expect => '[app-environment] service.yaml (signup) Resources.TaskDefinition: app METRICS_LISTEN is 127.0.0.1:9100, not 0.0.0.0:9100' },
	{ name => 'stub_status on loopback', file => 'service.yaml',
	  from => '- { Name: STATUS_LISTEN, Value: "0.0.0.0:9101" }', to => '- { Name: STATUS_LISTEN, Value: "127.0.0.1:9101" }',
	  expect => 'nginx STATUS_LISTEN is 127.0.0.1:9101, not 0.0.0.0:9101' },

	# --- FastCGI inside the task: the socket volume, kept connections -------------
	{ name => 'app listening on TCP', file => 'service.yaml',
	  from => '- { Name: FCGI_LISTEN, Value: /run/astro/fcgi.sock }', to => '- { Name: FCGI_LISTEN, Value: "0.0.0.0:9000" }',
	  expect => ['[fcgi-not-exposed] service.yaml (signup) Resources.TaskDefinition: app FCGI_LISTEN is 0.0.0.0:9000, a TCP address; FastCGI must stay on a unix socket',
	             '[fcgi-socket] service.yaml (signup) Resources.TaskDefinition: app FCGI_LISTEN is 0.0.0.0:9000, not /run/astro/fcgi.sock'] },
	{ name => 'app left on its TCP default', file => 'service.yaml',
	  from => "            - { Name: FCGI_LISTEN, Value: /run/astro/fcgi.sock }\n", to => '',
	  expect => 'app sets no FCGI_LISTEN, so the pool listens on TCP 127.0.0.1:9000; FastCGI must stay on a unix socket' },
	{ name => 'sidecar dialling the pool over TCP', file => 'service.yaml',
	  from => '- { Name: FCGI_ADDR, Value: "unix:/run/astro/fcgi.sock" }', to => '- { Name: FCGI_ADDR, Value: "127.0.0.1:9000" }',
	  expect => ['nginx FCGI_ADDR is 127.0.0.1:9000, a TCP address', 'nginx FCGI_ADDR is 127.0.0.1:9000, not unix:/run/astro/fcgi.sock'] },
	{ name => 'sidecar not mounting the socket volume', file => 'service.yaml',
	  from => "- { SourceVolume: nginx-tmp, ContainerPath: /tmp }\n            - { SourceVolume: fcgi, ContainerPath: /run/astro, ReadOnly: false }\n",
	  to => "- { SourceVolume: nginx-tmp, ContainerPath: /tmp }\n",
	  expect => '[fcgi-socket] service.yaml (signup) Resources.TaskDefinition: nginx does not mount fcgi at /run/astro, so it cannot reach the pool\'s socket' },
	{ name => 'sidecar mounting its own volume there', file => 'service.yaml',
	  from => "- { SourceVolume: nginx-tmp, ContainerPath: /tmp }\n            - { SourceVolume: fcgi, ContainerPath: /run/astro, ReadOnly: false }\n",
	  to => "- { SourceVolume: nginx-tmp, ContainerPath: /tmp }\n            - { SourceVolume: nginx-tmp, ContainerPath: /run/astro, ReadOnly: false }\n",
	  expect => 'nginx does not mount fcgi at /run/astro' },
	{ name => 'app without the socket volume', file => 'service.yaml',
	  from => "- { SourceVolume: app-tmp, ContainerPath: /tmp }\n            - { SourceVolume: fcgi, ContainerPath: /run/astro, ReadOnly: false }\n",
	  to => "- { SourceVolume: app-tmp, ContainerPath: /tmp }\n",
	  expect => 'app mounts no task volume at /run/astro, where its FastCGI socket goes' },
	{ name => 'socket volume read-only for the app', file => 'service.yaml',
	  from => 'ContainerPath: /run/astro, ReadOnly: false }', to => 'ContainerPath: /run/astro, ReadOnly: true }',
	  expect => 'app mounts fcgi read-only; the pool creates its socket there' },
	{ name => 'socket volume on the host', file => 'service.yaml',
	  from => "        - Name: fcgi\n", to => "        - { Name: fcgi, Host: { SourcePath: /run/astro } }\n",
	  expect => 'volume fcgi has Host; the socket\'s folder must be a plain task volume' },
	{ name => 'socket moved in the contract only', file => 'contract.json',
	  from => '"fcgi_listen": "/run/astro/fcgi.sock"', to => '"fcgi_listen": "/run/astro/pool.sock"',
	  expect => ['[fcgi-socket] contract.json: sidecar.fcgi_addr unix:/run/astro/fcgi.sock is not unix:/run/astro/pool.sock',
	             'app FCGI_LISTEN is /run/astro/fcgi.sock, not /run/astro/pool.sock'] },
	{ name => 'kept connections holding every worker', file => 'service.yaml',
	  from => '"4": { Keepalive: "2" }', to => '"4": { Keepalive: "4" }',
	  expect => '[fcgi-keepalive] service.yaml (signup) Resources.TaskDefinition: nginx FCGI_KEEPALIVE is 4; it must be below the app\'s WORKERS (4): each kept connection holds a worker' },
	{ name => 'kept connections of two nginx processes', file => 'service.yaml',
	  from => "- { Name: POOL_WORKERS, Value: !Ref Workers }\n",
	  to => "- { Name: POOL_WORKERS, Value: !Ref Workers }\n            - { Name: NGINX_WORKERS, Value: \"2\" }\n",
	  expect => 'nginx FCGI_KEEPALIVE 2 × NGINX_WORKERS 2 is 4; it must be below the app\'s WORKERS (4): each kept connection holds a worker' },
	{ name => 'a pair wrong for another Workers value', file => 'service.yaml',
	  from => '"2": { Keepalive: "1" }', to => '"2": { Keepalive: "2" }',
	  expect => 'nginx FCGI_KEEPALIVE is 2; it must be below the app\'s WORKERS (2): each kept connection holds a worker (with Workers=2)' },
	{ name => 'a Workers value the mapping lacks', file => 'service.yaml',
	  from => 'AllowedValues: [2, 4, 6, 8, 12, 16]', to => 'AllowedValues: [2, 4, 5, 6, 8, 12, 16]',
	  expect => '[evaluate] service.yaml (signup) Resources.TaskDefinition: Fn::FindInMap PoolSize.5.Keepalive does not exist (with Workers=5)' },
	{ name => 'Workers free to take any value', file => 'service.yaml',
	  from => 'AllowedValues: [2, 4, 6, 8, 12, 16]', to => 'MinValue: 1',
	  expect => 'Fn::FindInMap PoolSize: parameter Workers may take a value the mapping lacks; give it AllowedValues from the mapping\'s keys (with Workers=<set>)' },
	{ name => 'no kept connections', file => 'service.yaml',
	  from => "            - { Name: FCGI_KEEPALIVE, Value: !FindInMap [PoolSize, !Ref Workers, Keepalive] }\n", to => '',
	  expect => 'nginx sets no FCGI_KEEPALIVE; nginx would open a FastCGI connection per request' },
	{ name => 'POOL_WORKERS not the pool\'s', file => 'service.yaml',
	  from => '- { Name: POOL_WORKERS, Value: !Ref Workers }', to => '- { Name: POOL_WORKERS, Value: "16" }',
	  expect => 'nginx POOL_WORKERS is 16, not the app\'s WORKERS (4), which nginx/render checks FCGI_KEEPALIVE against' },
	{ name => 'database deadline longer than nginx waits', file => 'service.yaml',
	  from => '- { Name: DB_TIMEOUT_MS, Value: "2000" }', to => '- { Name: DB_TIMEOUT_MS, Value: "15000" }',
	  expect => '[db-timeout] service.yaml (signup) Resources.TaskDefinition: app DB_TIMEOUT_MS is 15000; it must be below nginx\'s fastcgi_read_timeout (10000 ms)' },
	{ name => 'database deadline left to the default', file => 'service.yaml',
	  from => "            - { Name: DB_TIMEOUT_MS, Value: \"2000\" }\n", to => '',
	  expect => 'app sets no DB_TIMEOUT_MS; set the database deadline explicitly' },
	{ name => 'load balancer giving up before nginx', file => 'cluster.yaml',
	  from => "- Key: idle_timeout.timeout_seconds\n          Value: \"60\"", to => "- Key: idle_timeout.timeout_seconds\n          Value: \"5\"",
	  expect => '[db-timeout] cluster.yaml Resources.LoadBalancer.Properties.LoadBalancerAttributes: idle timeout is 5 s; it must be above nginx\'s 10 s fastcgi_read_timeout' },

	{ name => 'autoscaling floor tied to the desired count', file => 'service.yaml',
	  from => 'MinCapacity: !Ref MinCount', to => 'MinCapacity: !Ref DesiredCount',
	  expect => '[autoscaling] service.yaml (signup) Resources.ScalableTarget.Properties.MinCapacity: signup autoscaling floor is DesiredCount' },
	{ name => 'no CPU scaling', file => 'service.yaml',
	  from => 'PredefinedMetricType: ECSServiceAverageCPUUtilization', to => 'PredefinedMetricType: ECSServiceAverageMemoryUtilization',
	  expect => 'has no target-tracking policy on ECSServiceAverageCPUUtilization' },
	{ name => 'no p99 latency alarm', file => 'service.yaml',
	  from => 'ExtendedStatistic: p99', to => 'Statistic: Average',
	  expect => '[alarms] signup service: no CloudWatch alarm on p99 TargetResponseTime' },
	{ name => 'no alarm when no target is healthy', file => 'service.yaml',
	  from => 'MetricName: HealthyHostCount', to => 'MetricName: HealthyHostCnt',
	  expect => '[alarms] signup service: no CloudWatch alarm on HealthyHostCount below 1, missing data breaching' },
	{ name => 'no healthy target, but missing data is fine', file => 'service.yaml',
	  from => "      TreatMissingData: breaching\n", to => "      TreatMissingData: notBreaching\n",
	  expect => 'no CloudWatch alarm on HealthyHostCount below 1, missing data breaching' },
	{ name => 'no alarm on tasks below desired', file => 'service.yaml',
	  from => 'MetricName: DesiredTaskCount', to => 'MetricName: PendingTaskCount',
	  expect => '[alarms] board service: no CloudWatch alarm on RunningTaskCount below DesiredTaskCount' },
	{ name => 'no alarm on the load balancer\'s own 5xx', file => 'cluster.yaml',
	  from => 'MetricName: HTTPCode_ELB_5XX_Count', to => 'MetricName: HTTPCode_ELB_4XX_Count',
	  expect => '[alarms] cluster.yaml Resources.LoadBalancer: no CloudWatch alarm on the load balancer\'s HTTPCode_ELB_5XX_Count' },
	{ name => 'no alarm on rejected connections', file => 'cluster.yaml',
	  from => 'MetricName: RejectedConnectionCount', to => 'MetricName: ActiveConnectionCount',
	  expect => 'no CloudWatch alarm on the load balancer\'s RejectedConnectionCount' },
	{ name => 'deploys that ignore the alarms', file => 'service.yaml',
	  from => "        Alarms:\n          Enable: true", to => "        Alarms:\n          Enable: false",
	  expect => '[deployment-alarms] service.yaml (signup) Resources.Service.Properties.DeploymentConfiguration.Alarms: signup deployment alarms need Enable and Rollback true' },
	{ name => 'a deploy blind to the load balancer\'s 5xx', file => 'service.yaml',
	  from => "            - !ImportValue { \"Fn::Sub\": \"\${ClusterStack}-LoadBalancer5xxAlarmName\" }\n", to => '',
	  expect => 'hours deploys do not roll back on the HTTPCode_ELB_5XX_Count alarm' },
	{ name => 'a deploy blind to its own latency', file => 'service.yaml',
	  from => "            - !Ref LatencyAlarm\n", to => '',
	  expect => 'board deploys do not roll back on the p99 TargetResponseTime alarm' },
	{ name => 'no transaction-ID age alarm', file => 'database.yaml',
	  from => 'MetricName: MaximumUsedTransactionIDs', to => 'MetricName: TransactionLogsDiskUsage',
	  expect => '[alarms] database.yaml Resources.Database: no CloudWatch alarm on MaximumUsedTransactionIDs' },
	{ name => 'no disk queue alarm', file => 'database.yaml',
	  from => 'MetricName: DiskQueueDepth', to => 'MetricName: ReadIOPS',
	  expect => 'no CloudWatch alarm on DiskQueueDepth' },
	{ name => 'no RDS events', file => 'database.yaml',
	  from => 'SourceIds: [!Ref Database]', to => 'SourceIds: [some-other-db]',
	  expect => '[alarms] database.yaml Resources.Database: no RDS event subscription sends its failover, failure and maintenance events' },
	{ name => 'failovers not reported', file => 'database.yaml',
	  from => "        - failover\n", to => '',
	  expect => 'event subscription leaves out failover events' },
	{ name => 'alarm topic without a subscriber', file => 'cluster.yaml',
	  from => 'RuleCondition: !Equals [!Ref AlarmTopicArn, ""]', to => 'RuleCondition: !Equals [!Ref AlarmTopicArn, "none"]',
	  expect => '[alarm-subscriber] cluster.yaml Rules: nothing refuses a deploy that creates AlarmTopic with AlarmEmail empty: alarms would reach nobody' },
	{ name => 'load balancer without deletion protection', file => 'cluster.yaml',
	  from => "- Key: deletion_protection.enabled\n          Value: \"true\"", to => "- Key: deletion_protection.enabled\n          Value: \"false\"",
	  expect => '[load-balancer-protection] cluster.yaml Resources.LoadBalancer: load balancer has no deletion protection (deletion_protection.enabled)' },
	{ name => 'no access logs', file => 'cluster.yaml',
	  from => "- Key: access_logs.s3.enabled\n          Value: \"true\"", to => "- Key: access_logs.s3.enabled\n          Value: \"false\"",
	  expect => 'load balancer writes no access logs to a bucket of this deployment' },
	{ name => 'access logs kept forever', file => 'cluster.yaml',
	  from => 'ExpirationInDays: !Ref AccessLogRetentionDays', to => 'NoncurrentVersionExpiration: { NoncurrentDays: 30 }',
	  expect => '[load-balancer-protection] cluster.yaml Resources.AccessLogBucket: access log bucket keeps logs forever' },
	{ name => 'no web ACL', file => 'cluster.yaml',
	  from => 'ResourceArn: !Ref LoadBalancer', to => 'ResourceArn: !Sub "arn:aws:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:loadbalancer/app/other/1"',
	  expect => 'no web ACL is associated with the load balancer' },
	{ name => 'managed rules only counting', file => 'cluster.yaml',
	  from => "          Priority: 2\n          OverrideAction: { None: {} }", to => "          Priority: 2\n          OverrideAction: { Count: {} }",
	  expect => 'managed rule group aws-common only counts (OverrideAction is not None)' },
	{ name => 'rate rule that forgets /signup', file => 'cluster.yaml',
	  from => 'SearchString: /signup', to => 'SearchString: /logout',
	  expect => '[load-balancer-protection] cluster.yaml Resources.WebAcl: no blocking per-address rate rule covers POST /login and POST /signup' },
	{ name => 'rate rule that only counts', file => 'cluster.yaml',
	  from => "          Priority: 0\n          Action: { Block: {} }", to => "          Priority: 0\n          Action: { Count: {} }",
	  expect => 'no blocking per-address rate rule covers POST /login and POST /signup' },
	{ name => 'no flow logs', file => 'network.yaml',
	  from => "      ResourceType: VPC\n      ResourceId: !Ref Vpc", to => "      ResourceType: VPC\n      ResourceId: vpc-0123456789abcdef0",
	  expect => '[flow-logs] network.yaml Resources.Vpc: VPC has no flow log' },
	{ name => 'flow logs of rejected traffic only', file => 'network.yaml',
	  from => 'TrafficType: ALL', to => 'TrafficType: REJECT',
	  expect => 'flow log records REJECT traffic, not ALL' },
	{ name => 'tasks free to reach the internet on 443', file => 'network.yaml',
	  from => 'DestinationSecurityGroupId: !Ref EndpointSecurityGroup, Description: "ECR, CloudWatch Logs, Secrets Manager endpoints"',
	  to => 'CidrIp: 0.0.0.0/0, Description: "anywhere"',
	  expect => '[task-egress] network.yaml Resources.SignupTaskSecurityGroup.Properties.SecurityGroupEgress[0]: SignupTaskSecurityGroup may connect to port 443 of 0.0.0.0/0; only the endpoints and S3 on 443 and the database on 5432' },
	{ name => 'tasks reaching another group on 5432', file => 'network.yaml',
	  from => 'FromPort: 5432, ToPort: 5432, DestinationSecurityGroupId: !Ref DatabaseSecurityGroup', to => 'FromPort: 5432, ToPort: 5432, DestinationSecurityGroupId: !Ref AlbSecurityGroup',
	  expect => 'SignupTaskSecurityGroup may connect to port 5432 of security group «network:AlbSecurityGroup»' },
	{ name => 'endpoint for any account', file => 'network.yaml',
	  from => 'StringEquals: { "aws:PrincipalAccount": !Ref AWS::AccountId }', to => 'StringEquals: { "aws:PrincipalAccount": "111122223333" }',
	  expect => '[endpoint-policies] network.yaml Resources.EcrApiEndpoint.Properties.PolicyDocument: interface endpoint allows principals of any account' },
	{ name => 'S3 gateway open to every bucket', file => 'network.yaml',
	  from => 'Resource: !Sub "arn:${AWS::Partition}:s3:::prod-${AWS::Region}-starport-layer-bucket/*"', to => 'Resource: "*"',
	  expect => 'S3 gateway endpoint allows s3:GetObject on *; only s3:GetObject on ECR\'s layer bucket' },
	{ name => 'no init process', file => 'service.yaml',
	  from => 'InitProcessEnabled: true', to => 'InitProcessEnabled: false',
	  expect => '[container-hardening] service.yaml (signup) Resources.TaskDefinition.Properties.ContainerDefinitions[0]: app has no init process' },
	{ name => 'capabilities kept', file => 'database.yaml',
	  from => 'Capabilities: { Drop: [ALL] }', to => 'Capabilities: { Drop: [NET_RAW] }',
	  expect => 'migrate keeps Linux capabilities; drop ALL and add none' },
	{ name => 'alarm that notifies nobody', file => 'service.yaml',
	  from => "      AlarmActions: [!ImportValue { \"Fn::Sub\": \"\${ClusterStack}-AlarmTopicArn\" }]\n", to => '',
	  expect => 'Resources.LatencyAlarm: alarm notifies nobody (AlarmActions)' },
);

my $dir = tempdir('ecs-broken-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my @sources = (glob('ecs/*.yaml'), 'ecs/contract.json');

sub copy_all {
	my ($to) = @_;
	mkdir $to or die "mkdir $to: $!";
	for my $f (@sources) {
		copy($f, "$to/" . (split m{/}, $f)[-1]) or die "copy $f: $!";
	}
}

copy_all("$dir/00-unchanged");
for my $i (0 .. $#cases) {
	my $c = $cases[$i];
	my $case_dir = sprintf('%s/%02d', $dir, $i + 1);
	copy_all($case_dir);
	my $path = "$case_dir/$c->{file}";
	my $text = do { local (@ARGV, $/) = ($path); <> };
	my $at = index($text, $c->{from});
	$c->{applied} = $at >= 0;
	substr($text, $at, length $c->{from}) = $c->{to} if $c->{applied};
	open(my $fh, '>', $path) or die "write $path: $!";
	print $fh $text;
	close $fh;
	$c->{dir} = $case_dir;
}

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

my @lint_cases = grep { ($_->{tool} // '') eq 'cfn-lint' } @cases;
my @own_cases = grep { ($_->{tool} // '') ne 'cfn-lint' } @cases;

# The validator: one run over the unchanged copy and its own cases.
my ($rc, $out) = run('node', 'ecs/validate/validate.js', "$dir/00-unchanged", map { $_->{dir} } @own_cases);
is($rc, 1, 'the validator fails on the broken copies') or diag($out);

my %section;
my $current;
for my $line (split /\n/, $out) {
	if ($line =~ /^== (.*)$/) { $current = $1; next; }
	$section{$current} .= "$line\n" if defined $current;
}

like($section{"$dir/00-unchanged"} // '', qr/^ok: /m, 'an unchanged copy passes')
	or diag($section{"$dir/00-unchanged"} // $out);

for my $c (@own_cases) {
	ok($c->{applied}, "$c->{name}: the patch applies to $c->{file}") or next;
	my $got = $section{ $c->{dir} } // '';
	unlike($got, qr/^ok: /m, "$c->{name}: the validator fails");
	for my $want (ref $c->{expect} ? @{ $c->{expect} } : $c->{expect}) {
		ok(index($got, $want) >= 0, "$c->{name}: reports \"$want\"") or diag($got);
	}
}

# cfn-lint: one run over the patched file of each of its cases.
($rc, $out) = run('cfn-lint', '--format', 'parseable', '--', map { "$_->{dir}/$_->{file}" } @lint_cases);
isnt($rc, 0, 'cfn-lint fails on the broken copies');
my %found;
for my $line (split /\n/, $out) {
	# FILE:LINE:COLUMN:ENDLINE:ENDCOLUMN:RULE:MESSAGE
	$found{$1}{$2} = 1 if $line =~ m{^(.+?):\d+:\d+:\d+:\d+:([EWI]\d+):};
}
for my $c (@lint_cases) {
	ok($c->{applied}, "$c->{name}: the patch applies to $c->{file}") or next;
	ok($found{"$c->{dir}/$c->{file}"}{ $c->{expect} }, "$c->{name}: cfn-lint reports $c->{expect}")
		or diag(join "\n", grep { index($_, "$c->{dir}/") == 0 } split /\n/, $out);
}

done_testing();
