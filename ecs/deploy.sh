#!/usr/bin/env bash
# Deploy or update Astronaut Hours on AWS.
#
#   ecs/deploy.sh [--yes] STACK REGION [Param=Value ...]
#
# Creates or updates, in this order, the stacks
#   STACK-network   network.yaml    VPC, subnets, VPC endpoints, security groups
#   STACK-cluster   cluster.yaml    ECS cluster, ALB, target groups, alarm topic
#   STACK-database  database.yaml   RDS PostgreSQL, login secrets, migration task
#   (runs the migration task: ecs/migrate.sh STACK REGION)
#   STACK-signup, STACK-hours, STACK-board   service.yaml, once per service
# with `aws cloudformation deploy`, which waits for each stack and rolls it
# back by itself if it fails. CAPABILITY_AUTO_EXPAND lets the database
# stack's transform (AWS::SecretsManager) add the rotation functions.
#
# The network and database stacks are changed through a change set that is
# shown (every resource added, modified or replaced) and executed only once
# the operator answers y; --yes (or ASSUME_YES=1) executes without asking.
# Every stack gets termination protection, and the database stack a stack
# policy (database-stack-policy.json) that refuses to replace or delete the
# database, its key and its login secrets.
#
# Parameters: Key=Value goes to every stack whose template declares Key.
# A key starting with a service's name goes to that service's stack only,
# without the prefix: SignupImage=URI sets Image of STACK-signup,
# HoursTaskCpu=512 sets TaskCpu of STACK-hours. Each service stack also gets
# its own size from ecs/service-sizes for what the command line does not
# set. A parameter not given keeps its current value (or its default on
# the first deploy), except DesiredCount: a service's current desired
# count is passed on, so a deploy never shrinks what autoscaling grew.
#
# Environment:
#   SKIP_MIGRATE=1  do not run the migration task
#   ASSUME_YES=1    as --yes
#   DRY_RUN=1       print the aws commands instead of running them (as if
#                   no stack existed yet)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
services="signup hours board"

usage() {
	echo "usage: ecs/deploy.sh [--yes] STACK REGION [Param=Value ...]" >&2
	echo "  first deploy needs SignupImage= HoursImage= BoardImage= SidecarImage= MigrateImage=" >&2
	echo "  CertificateArn= and AlarmEmail= (or AlarmTopicArn=)" >&2
	exit 2
}

die() {
	echo "deploy: $*" >&2
	exit 1
}

yes=${ASSUME_YES:-0}
while [ $# -gt 0 ]; do
	case $1 in
	--yes | -y) yes=1; shift ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
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
	ServiceName | *Stack | S3PrefixListId) die "$key is set by deploy.sh itself" ;;
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

# quiet CMD...: run, dropping what it prints (the plan shows it).
quiet() {
	if [ "${DRY_RUN:-}" = 1 ]; then
		run "$@"
	else
		"$@" >/dev/null
	fi
}

stack_exists() {
	[ "${DRY_RUN:-}" = 1 ] && return 1
	aws cloudformation describe-stacks --region "$region" --stack-name "$1" >/dev/null 2>&1
}

output() { # output STACK OUTPUT-KEY
	aws cloudformation describe-stacks --region "$region" --stack-name "$1" \
		--query "Stacks[0].Outputs[?OutputKey=='$2'].OutputValue" --output text
}

# approve WHAT: true when the operator answers y (or --yes was given).
approve() {
	[ "$yes" = 1 ] && return 0
	local answer=""
	printf 'deploy: execute the change set of %s? [y/N] ' "$1" >&2
	read -r answer || true
	[[ $answer == [yY] || $answer == [yY][eE][sS] ]]
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
		S3PrefixListId) overrides+=("S3PrefixListId=$(s3_prefix_list)") ;;
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
			given="$given$key "
		fi
	done
	# The service's own size, for what the command line leaves out.
	if [ "$service" != - ]; then
		for arg in $(service_sizes "$service"); do
			key=${arg%%=*}
			if [[ $given != *" $key "* ]]; then
				overrides+=("$arg")
				given="$given$key "
			fi
		done
	fi
	given_keys=$given
}

# The region's S3 prefix list, the tasks' way to ECR's image layers.
s3_prefix_list() {
	if [ "${DRY_RUN:-}" = 1 ]; then
		printf '%s' '$(S3 prefix list of the region)'
		return
	fi
	if [ -z "${s3_list:-}" ]; then
		s3_list=$(aws ec2 describe-managed-prefix-lists --region "$region" \
			--filters "Name=prefix-list-name,Values=com.amazonaws.$region.s3" \
			--query 'PrefixLists[0].PrefixListId' --output text)
		[[ $s3_list =~ ^pl-[0-9a-f]+$ ]] || die "no S3 prefix list in $region (got '$s3_list')"
	fi
	printf '%s' "$s3_list"
}

# service_sizes SERVICE: its Param=Value words from ecs/service-sizes.
service_sizes() {
	sed -e 's/#.*//' "$here/service-sizes" | awk -v s="$1" '$1 == s { for (i = 2; i <= NF; i++) print $i }'
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
	# The cluster template's Rules refuse an alarm topic nobody reads; say
	# so before the network stack is touched.
	if [ "$name" = cluster ] && [[ " ${overrides[*]-} " != *" AlarmEmail="?* ]] &&
		[[ " ${overrides[*]-} " != *" AlarmTopicArn="?* ]]; then
		die "$stack-cluster does not exist yet and needs AlarmEmail=... (or AlarmTopicArn=...): alarms must reach someone"
	fi
done <<<"$stacks"

# deploy_stack NAME TEMPLATE REVIEW: create or update STACK-NAME with the
# array `overrides`; REVIEW=1 shows the change set and asks first.
deploy_stack() {
	local name=$1 template=$2 review=$3 full="$stack-$1" existed=no out cs
	stack_exists "$full" && existed=yes
	local args=(--region "$region" --stack-name "$full" --template-file "$here/$template"
		--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset
		--tags "Project=astronaut-hours" "Deployment=$stack")
	[ ${#overrides[@]} -gt 0 ] && args+=(--parameter-overrides "${overrides[@]}")
	echo "deploy: $full ($template)" >&2
	if [ "$review" = 1 ]; then
		if [ "${DRY_RUN:-}" = 1 ]; then
			run aws cloudformation deploy "${args[@]}" --no-execute-changeset
			echo "deploy: (the change set of $full is shown and executed once approved)" >&2
		else
			out=$(aws cloudformation deploy "${args[@]}" --no-execute-changeset) ||
				die "$full: the change set could not be made: $out"
			cs=$(grep -o 'arn:aws[a-z-]*:cloudformation:[^ ]*:changeSet/[^ ]*' <<<"$out" | head -n 1 || true)
			if [ -z "$cs" ]; then
				echo "deploy: $full has no changes" >&2
			else
				echo "deploy: changes to $full:" >&2
				aws cloudformation describe-change-set --region "$region" --change-set-name "$cs" \
					--query 'Changes[].ResourceChange.[Action,LogicalResourceId,ResourceType,Replacement]' \
					--output table >&2
				if ! approve "$full"; then
					aws cloudformation delete-change-set --region "$region" --change-set-name "$cs" || true
					die "$full: change set not approved; nothing was changed"
				fi
				[ "$existed" = yes ] && protect "$name"
				aws cloudformation execute-change-set --region "$region" --change-set-name "$cs"
				if [ "$existed" = yes ]; then
					aws cloudformation wait stack-update-complete --region "$region" --stack-name "$full" ||
						die "$full: the update failed and was rolled back (see its events)"
				else
					aws cloudformation wait stack-create-complete --region "$region" --stack-name "$full" ||
						die "$full: the creation failed (see its events)"
				fi
			fi
		fi
	else
		run aws cloudformation deploy "${args[@]}"
	fi
	protect "$name"
}

# protect NAME: termination protection, and the database's stack policy.
protect() {
	quiet aws cloudformation update-termination-protection --region "$region" \
		--stack-name "$stack-$1" --enable-termination-protection
	if [ "$1" = database ]; then
		run aws cloudformation set-stack-policy --region "$region" --stack-name "$stack-$1" \
			--stack-policy-body "file://$here/database-stack-policy.json"
	fi
}

# The stacks come on fd 3: standard input is the operator's answers.
while read -r name template service <&3; do
	if [ "$name" = signup ] && [ "${SKIP_MIGRATE:-}" != 1 ]; then
		# New code may need the new schema; the schema must not need new
		# code (expand now, contract in a later release).
		run "$here/migrate.sh" "$stack" "$region"
	fi
	overrides_for "$template" "$service" "$@"
	if [ "$service" != - ] && [[ $given_keys != *" DesiredCount "* ]] && stack_exists "$stack-$name"; then
		# Keep what autoscaling has grown: the running service's desired
		# count, not the template's default.
		cluster=$(output "$stack-cluster" ClusterName)
		current=$(aws ecs describe-services --region "$region" --cluster "$cluster" \
			--services "$stack-$name" --query 'services[0].desiredCount' --output text)
		if [[ $current =~ ^[0-9]+$ ]]; then
			[ "$current" -lt 2 ] && current=2
			overrides+=("DesiredCount=$current")
			echo "deploy: $stack-$name keeps its $current tasks" >&2
		fi
	fi
	review=0
	case $name in network | database) review=1 ;; esac
	deploy_stack "$name" "$template" "$review"
done 3<<<"$stacks"

if [ "${DRY_RUN:-}" != 1 ]; then
	url=$(aws cloudformation describe-stacks --region "$region" --stack-name "$stack-cluster" \
		--query "Stacks[0].Outputs[?OutputKey=='SiteUrl'].OutputValue" --output text)
	echo "deploy: done; the site is at $url"
fi
