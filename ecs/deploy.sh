#!/usr/bin/env bash
# Deploy or update Astronaut Hours on AWS.
#
#   ecs/deploy.sh STACK REGION [Param=Value ...]
#
# Creates or updates, in this order, the stacks
#   STACK-network   network.yaml    VPC, subnets, VPC endpoints, security groups
#   STACK-cluster   cluster.yaml    ECS cluster, ALB, target groups, alarm topic
#   STACK-database  database.yaml   RDS PostgreSQL, login secrets, migration task
#   (runs the migration task: ecs/migrate.sh STACK REGION)
#   STACK-signup, STACK-hours, STACK-board   service.yaml, once per service
# with `aws cloudformation deploy`, which waits for each stack and rolls it
# back by itself if it fails.
#
# Parameters: Key=Value goes to every stack whose template declares Key.
# A key starting with a service's name goes to that service's stack only,
# without the prefix: SignupImage=URI sets Image of STACK-signup,
# HoursDesiredCount=4 sets DesiredCount of STACK-hours. A parameter not
# given keeps its current value (or its default on the first deploy).
#
# Environment:
#   SKIP_MIGRATE=1  do not run the migration task
#   DRY_RUN=1       print the aws commands instead of running them
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
services="signup hours board"

usage() {
	echo "usage: ecs/deploy.sh STACK REGION [Param=Value ...]" >&2
	echo "  first deploy needs SignupImage= HoursImage= BoardImage= SidecarImage= MigrateImage=" >&2
	exit 2
}

die() {
	echo "deploy: $*" >&2
	exit 1
}

[ $# -ge 2 ] || usage
stack=$1
region=$2
shift 2
[[ $stack =~ ^[A-Za-z][A-Za-z0-9-]{0,100}$ ]] || die "stack name '$stack': letters, digits and hyphens, starting with a letter"
[[ $region =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || die "'$region' is not an AWS region name"

# template_params FILE: "Name 1" or "Name 0" for each parameter, 1 when it
# has a Default.
template_params() {
	awk '
		/^[^ #]/ {
			if (name != "") print name, has
			name = ""
			inp = ($0 ~ /^Parameters:[ ]*$/)
			next
		}
		inp && /^  [A-Za-z0-9]+:/ {
			if (name != "") print name, has
			name = $1; sub(/:$/, "", name); has = 0
			next
		}
		inp && /^    Default:/ { has = 1 }
		END { if (name != "") print name, has }
	' "$1"
}

declares() { # declares TEMPLATE KEY
	template_params "$here/$1" | awk -v k="$2" '$1 == k { found = 1 } END { exit !found }'
}

cap() { # cap signup -> Signup
	printf '%s%s' "$(printf '%s' "${1:0:1}" | tr '[:lower:]' '[:upper:]')" "${1:1}"
}

# Check every argument before touching AWS: a misspelt key would otherwise
# be ignored silently by `aws cloudformation deploy`.
for arg in "$@"; do
	[[ $arg == *=* ]] || die "'$arg' is not Param=Value"
	key=${arg%%=*}
	[[ $key =~ ^[A-Za-z0-9]+$ ]] || die "'$key' is not a parameter name"
	case $key in
	ServiceName | *Stack) die "$key is set by deploy.sh itself" ;;
	esac
	known=no
	for svc in $services; do
		prefix=$(cap "$svc")
		if [[ $key == "$prefix"?* ]] && declares service.yaml "${key#"$prefix"}"; then
			known=yes
		fi
	done
	for t in network.yaml cluster.yaml database.yaml service.yaml; do
		declares "$t" "$key" && known=yes
	done
	[ "$known" = yes ] || die "no template has a parameter $key (nor Signup/Hours/Board + a service.yaml parameter)"
done

run() {
	if [ "${DRY_RUN:-}" = 1 ]; then
		printf '%q ' "$@"
		printf '\n'
	else
		"$@"
	fi
}

stack_exists() {
	[ "${DRY_RUN:-}" = 1 ] && return 1
	aws cloudformation describe-stacks --region "$region" --stack-name "$1" >/dev/null 2>&1
}

# The stacks in deploy order: name, template, service ("-" for shared).
stacks="network network.yaml -
cluster cluster.yaml -
database database.yaml -
signup service.yaml signup
hours service.yaml hours
board service.yaml board"

# overrides_for TEMPLATE SERVICE ARGS...: set the array `overrides` to the
# stack names the template imports from, the unprefixed arguments it
# declares, then the arguments prefixed with SERVICE's name (which win).
overrides_for() {
	local template=$1 service=$2 prefix="" given=" " arg key p has
	shift 2
	overrides=()
	[ "$service" != - ] && prefix=$(cap "$service")
	while read -r p has; do
		case $p in
		NetworkStack) overrides+=("NetworkStack=$stack-network") ;;
		ClusterStack) overrides+=("ClusterStack=$stack-cluster") ;;
		DatabaseStack) overrides+=("DatabaseStack=$stack-database") ;;
		ServiceName) overrides+=("ServiceName=$service") ;;
		esac
	done < <(template_params "$here/$template")
	if [ -n "$prefix" ]; then
		for arg in "$@"; do
			key=${arg%%=*}
			if [[ $key == "$prefix"?* ]] && declares "$template" "${key#"$prefix"}"; then
				overrides+=("${key#"$prefix"}=${arg#*=}")
				given="$given${key#"$prefix"} "
			fi
		done
	fi
	for arg in "$@"; do
		key=${arg%%=*}
		if declares "$template" "$key" && [[ $given != *" $key "* ]]; then
			overrides+=("$arg")
		fi
	done
}

if [ "${DRY_RUN:-}" != 1 ]; then
	command -v aws >/dev/null 2>&1 || die "the AWS CLI is not installed (Debian: apt-get install awscli)"
	aws sts get-caller-identity --region "$region" >/dev/null || die "the AWS CLI has no usable credentials"
fi

# A stack created for the first time needs every parameter that has no
# default; find out before creating anything.
while read -r name template service; do
	overrides_for "$template" "$service" "$@"
	stack_exists "$stack-$name" && continue
	while read -r p has; do
		[ "$has" = 1 ] && continue
		seen=no
		for o in ${overrides[@]+"${overrides[@]}"}; do
			[ "${o%%=*}" = "$p" ] && seen=yes
		done
		prefix=""
		[ "$service" != - ] && prefix=$(cap "$service")
		[ "$seen" = yes ] || die "$stack-$name does not exist yet and needs ${prefix}$p=..."
	done < <(template_params "$here/$template")
done <<<"$stacks"

while read -r name template service; do
	if [ "$name" = signup ] && [ "${SKIP_MIGRATE:-}" != 1 ]; then
		# New code may need the new schema; the schema must not need new
		# code (expand now, contract in a later release).
		run "$here/migrate.sh" "$stack" "$region"
	fi
	overrides_for "$template" "$service" "$@"
	echo "deploy: $stack-$name ($template)" >&2
	run aws cloudformation deploy \
		--region "$region" \
		--stack-name "$stack-$name" \
		--template-file "$here/$template" \
		--capabilities CAPABILITY_IAM \
		--no-fail-on-empty-changeset \
		--tags "Project=astronaut-hours" "Deployment=$stack" \
		${overrides[@]+--parameter-overrides "${overrides[@]}"}
done <<<"$stacks"

if [ "${DRY_RUN:-}" != 1 ]; then
	url=$(aws cloudformation describe-stacks --region "$region" --stack-name "$stack-cluster" \
		--query "Stacks[0].Outputs[?OutputKey=='SiteUrl'].OutputValue" --output text)
	echo "deploy: done; the site is at $url"
fi
