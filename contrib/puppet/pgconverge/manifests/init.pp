# @summary Puts pgconverge's desired-state file and password files on a host and has it converge now.
#
# The desired state is validated by `pgconverge validate --self <self>` before it replaces the file
# on disk. A changed file or password file notifies `pgconverge apply`: beside the running daemon it
# asks the daemon to converge now and waits for that run's result; without a daemon it converges
# itself. Exit 0 (in sync) and 2 (changed) succeed; 1 (invalid), 4 (failed or refused) and 6
# (changed with failures) fail the resource, and so the Puppet run.
#
# @param desired_state the desired-state YAML document (the same on every host; from a template,
#   epp() or a file() of your control repository)
# @param password_files path => password (Sensitive), written 0640 owner:group
# @param self which peer this host is, for validation (the document's `self:` wins)
# @param command the pgconverge program
# @param config_dir the directory of the desired-state file, made 0750 owner:group
# @param desired_state_file where the desired state goes (what the daemon watches)
# @param apply_timeout seconds apply waits for the daemon's run
# @param apply_args extra arguments for apply (for example --status-file)
#
# @example
#   class { 'pgconverge':
#     desired_state  => file('site/pgconverge/desired-state.yaml'),
#     password_files => { '/etc/pgconverge/replicator.password' => Sensitive(lookup('replicator_password')) },
#   }
class pgconverge (
  String $desired_state,
  Hash[String, Sensitive[String]] $password_files = {},
  String $self = $facts['networking']['hostname'],
  String $command = '/usr/bin/pgconverge',
  String $config_dir = '/etc/pgconverge',
  String $desired_state_file = "${config_dir}/desired-state.yaml",
  String $owner = 'root',
  String $group = 'postgres',
  Integer[1] $apply_timeout = 60,
  Array[String] $apply_args = [],
) {
  file { $config_dir:
    ensure => directory,
    owner  => $owner,
    group  => $group,
    mode   => '0750',
  }

  $password_files.each |String $path, Sensitive[String] $password| {
    file { $path:
      ensure    => file,
      owner     => $owner,
      group     => $group,
      mode      => '0640',
      content   => Sensitive("${password.unwrap}\n"),
      show_diff => false,
      require   => File[$config_dir],
      notify    => Exec['pgconverge converge'],
    }
  }

  file { $desired_state_file:
    ensure       => file,
    owner        => $owner,
    group        => $group,
    mode         => '0640',
    content      => $desired_state,
    validate_cmd => "${shellquote($command)} validate --self ${shellquote($self)} %",
    require      => File[$config_dir],
    notify       => Exec['pgconverge converge'],
  }

  $apply = [$command, 'apply', '--config', $desired_state_file, '--timeout', String($apply_timeout)] + $apply_args
  exec { 'pgconverge converge':
    command     => shellquote($apply),
    refreshonly => true,
    returns     => [0, 2],
    logoutput   => true,
    timeout     => $apply_timeout + 60,
  }
}
