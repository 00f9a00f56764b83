#!/usr/bin/env bash
# Run the one-off schema migration task of a deployment and wait for it.
#
#   ecs/migrate.sh STACK REGION [COMMAND ...]
#
# Without COMMAND the migration image's own command runs: sqitch deploy,
# then psql -f sql/service-logins.sql. With COMMAND that runs instead, for
# example `ecs/migrate.sh astro eu-west-1 sqitch revert -y --to @HEAD^`.
# Exits with the container's exit code; prints where its logs are.
set -euo pipefail

usage() {
	echo "usage: ecs/migrate.sh STACK REGION [COMMAND ...]" >&2
	exit 2
}

[ $# -ge 2 ] || usage
stack=$1
region=$2
shift 2

output() { # output STACK-SUFFIX OUTPUT-KEY
	aws cloudformation describe-stacks --region "$region" --stack-name "$stack-$1" \
		--query "Stacks[0].Outputs[?OutputKey=='$2'].OutputValue" --output text
}

json_string() {
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "$s"
}

cluster=$(output cluster ClusterName)
taskdef=$(output database MigrateTaskDefinitionArn)
group=$(output network MigrateTaskSecurityGroup)
subnets=$(output network PrivateSubnets)

overrides='{}'
if [ $# -gt 0 ]; then
	cmd=""
	for a in "$@"; do
		cmd="$cmd${cmd:+,}$(json_string "$a")"
	done
	overrides="{\"containerOverrides\":[{\"name\":\"migrate\",\"command\":[$cmd]}]}"
fi

echo "migrate: running $taskdef in $cluster" >&2
task=$(aws ecs run-task --region "$region" --cluster "$cluster" \
	--launch-type FARGATE \
	--task-definition "$taskdef" \
	--network-configuration "awsvpcConfiguration={subnets=[$subnets],securityGroups=[$group],assignPublicIp=DISABLED}" \
	--overrides "$overrides" \
	--started-by ecs-migrate \
	--query 'tasks[0].taskArn' --output text)
[ -n "$task" ] && [ "$task" != None ] || { echo "migrate: the task did not start" >&2; exit 1; }

# The waiter gives up after 10 minutes; a long migration just waits again.
until aws ecs wait tasks-stopped --region "$region" --cluster "$cluster" --tasks "$task" 2>/dev/null; do
	status=$(aws ecs describe-tasks --region "$region" --cluster "$cluster" --tasks "$task" \
		--query 'tasks[0].lastStatus' --output text)
	[ "$status" = STOPPED ] && break
	echo "migrate: still $status" >&2
done

code=$(aws ecs describe-tasks --region "$region" --cluster "$cluster" --tasks "$task" \
	--query "tasks[0].containers[?name=='migrate'].exitCode | [0]" --output text)
reason=$(aws ecs describe-tasks --region "$region" --cluster "$cluster" --tasks "$task" \
	--query 'tasks[0].stoppedReason' --output text)
logs=$(aws ecs describe-task-definition --region "$region" --task-definition "$taskdef" \
	--query "taskDefinition.containerDefinitions[0].logConfiguration.options.\"awslogs-group\"" --output text)
echo "migrate: logs: aws logs tail $logs --region $region --log-stream-name-prefix migrate/migrate/${task##*/}" >&2
if [ "$code" != 0 ]; then
	echo "migrate: failed (exit code $code: $reason)" >&2
	exit 1
fi
echo "migrate: done" >&2
