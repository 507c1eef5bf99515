#!/usr/bin/env bash
# Packed-consumer smoke: packs every library under src/ into a local folder feed, creates a console app with
# `dotnet new console`, takes EmberML from that feed by PackageReference (a temporary NuGet.config: the local folder
# plus nuget.org; the global package folder as a fallback so nothing is downloaded twice), replaces Program.cs with
# the README's program (between the consumer-program markers) and checks what it prints. Fails if the package does
# not restore (e.g. a dependency that was not packed: NU1101), does not build, or the program's accuracy is off.
# Usage: .ci/package-smoke.sh [WORK_DIR]   (default: a fresh temporary directory, removed afterwards)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=${1:-$(mktemp -d)}
[ $# -ge 1 ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
feed=$work/feed
app=$work/app
version=0.0.0-ci.$(date +%s)

# Deterministic CI build (ContinuousIntegrationBuild) of exactly what would be published.
dotnet pack Ember.sln -c Release -o "$feed" -p:CI=true -p:Version="$version"
ls "$feed"
# Every project under src/ must have produced its package and symbol package.
for proj in src/*/*.csproj; do
    name=$(basename "$proj" .csproj)
    id=${name/Ember/EmberML}
    for ext in nupkg snupkg; do
        [ -f "$feed/$id.$version.$ext" ] || { echo "missing $id.$version.$ext (is $proj packable?)"; exit 1; }
    done
done

dotnet new console -o "$app" --framework net10.0 >/dev/null
# Outside the repository: its Directory.Build.props, global.json and NuGet settings must not apply.
cat > "$app/NuGet.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config><add key="globalPackagesFolder" value="$work/packages" /></config>
  <packageSources>
    <clear />
    <add key="ember-local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <fallbackPackageFolders>
    <add key="global" value="${NUGET_PACKAGES:-$HOME/.nuget/packages}" />
  </fallbackPackageFolders>
</configuration>
XML
cp "$repo/global.json" "$app/"
dotnet add "$app" package EmberML --version "$version"
grep -q "PackageReference Include=\"EmberML\"" "$app"/*.csproj
sed -n '/<!-- consumer-program: begin -->/,/<!-- consumer-program: end -->/p' "$repo/README.md" |
    sed '1,2d;$d' | sed '$d' > "$app/Program.cs"
grep -q "class IrisNet" "$app/Program.cs" || { echo "README consumer program not found"; exit 1; }
out=$(dotnet run --project "$app" -c Release)
echo "$out"
echo "$out" | grep -Eq '^accuracy: (0\.9[7-9]|1\.0+$)' ||
    { echo "packed consumer did not reach accuracy >= 0.97"; exit 1; }
# The app really used the package, not a project reference.
grep -q "EmberML/$version" "$app/obj/project.assets.json"
echo "packed consumer OK (EmberML $version from $feed)"
