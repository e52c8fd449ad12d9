package callflow

// Examples in the shape Kazoo documents them (its pivot and callflow
// documentation), one or more per module. Used by the tests and as seeds
// of FuzzParse.
var kazooExamples = map[string]string{
	// The basic Pivot callflow of Kazoo's Pivot overview.
	"pivot": `{"module":"pivot","data":{"voice_url":"http://your.pivot.server/path/to/script.php","req_format":"kazoo","method":"get","debug":false}}`,
	// Kazoo's "handling failures" example: the "_" child runs when the
	// request fails ("req_timeout" is not a schema field and is ignored).
	"pivot_fallback": `{"data":{"method":"GET","req_timeout":"5","req_format":"kazoo","voice_url":"http://127.0.0.1:8090/ivr"},
		"module":"pivot","children":{"_":{"module":"play","data":{"id":"media_id"},"children":{}}}}`,
	"pivot_post": `{"module":"pivot","data":{"voice_url":"https://user:secret@example.com/app","method":"POST","req_timeout_ms":3000}}`,
	// Kazoo's collect example: tts, then collect_dtmf, then a pivot.
	"collect": `{"module":"tts","data":{"text":"Please enter up to four digits."},
		"children":{"_":{"module":"collect_dtmf","data":{"max_digits":4,"collection_name":"custom_name"},
		"children":{"_":{"module":"pivot","data":{"voice_url":"http://pivot.your.company.com/collected.php"},"children":{}}}}}}`,
	"collect_full": `{"module":"collect_dtmf","data":{"max_digits":"3","terminators":["#","*"],"timeout":8000,"interdigit_timeout":1500}}`,
	"tts":          `{"module":"tts","data":{"text":"Pivot is pretty awesome. Have a great day."},"children":{"_":{"module":"response","data":{}}}}`,
	"tts_full":     `{"module":"tts","data":{"text":"Hola","voice":"male","language":"es-ES","terminators":["#"],"engine":"flite"}}`,
	// Kazoo's play example: a media id, then a URL.
	"play": `{"module":"play","data":{"id":"media_id"},
		"children":{"_":{"module":"play","data":{"id":"http://some.file.server/some/file.mp3"},"children":{}}}}`,
	"say":  `{"module":"say","data":{"text":"1234","type":"number","method":"iterated","language":"en-US"}}`,
	"say2": `{"module":"say","data":{"text":"Please leave your message after the beep"}}`,
	// Kazoo's bridging examples.
	"device": `{"module":"device","data":{"id":"device_id"}}`,
	"user":   `{"module":"user","data":{"id":"user_id"}}`,
	"user_full": `{"module":"user","data":{"id":"1002","timeout":30,"can_call_self":false,"strategy":"single","custom_sip_headers":{"X-App":"ivr"}},
		"children":{"_":{"module":"voicemail","data":{"id":"1002"}}}}`,
	"resources":       `{"module":"resources","data":{"to_did":"+14155550000","use_local_resources":false}}`,
	"resources_local": `{"module":"resources","data":{"to_did":"+14155550000","use_local_resources":true}}`,
	"resources_uri":   `{"module":"resources","data":{"to_did":"sip:echo@127.0.0.1:5060","timeout":15}}`,
	"bridge": `{"module":"bridge","data":{"endpoints":[{"endpoint_type":"user","id":"1002"},{"endpoint_type":"device","id":"1003","delay":2}],"timeout":25},
		"children":{"_":{"module":"hangup","data":{}}}}`,
	// Kazoo's time-of-day example: device, voicemail on no answer.
	"device_vm": `{"module":"device","data":{"id":"{FRONT_DESK_DEVICE_ID}"},"children":{"_":{"module":"voicemail","data":{"id":"{COMPANY_VM_BOX_ID}"}}}}`,
	// Kazoo's conferencing examples.
	"conference":        `{"module":"conference","data":{"id":"conference_id"}}`,
	"conference_ad_hoc": `{"module":"conference","data":{"config":{"name":"My Ad-hoc Conference"}}}`,
	"conference_full":   `{"module":"conference","data":{"id":"room1","moderator":true,"play_entry_tone":true,"play_exit_tone":"tone_stream://%(200,0,500)","welcome_prompt":{"play":false}}}`,
	"voicemail":         `{"module":"voicemail","data":{"id":"1002","max_message_length":120}}`,
	"voicemail_check":   `{"module":"voicemail","data":{"action":"check"}}`,
	// Kazoo's recording examples.
	"record_start": `{"module":"record_call","data":{"action":"start","time_limit":1200,"format":"mp3","url":"http://your.server.com/recordings"}}`,
	"record_stop":  `{"module":"record_call","data":{"action":"stop"}}`,
	"record_user": `{"module":"record_call","data":{"action":"start","format":"mp3","url":"http://my.recording.server/{ACCOUNT_ID}/{USER_ID}","time_limit":360},
		"children":{"_":{"module":"user","data":{"id":"{USER_ID}"},"children":{"_":{"module":"record_call","data":{"action":"stop"},
		"children":{"_":{"module":"voicemail","data":{"id":"{VMBOX_ID}"},"children":{}}}}}}}}`,
	"set_cid": `{"module":"set_cid","data":{"caller_id_name":"Sales line","caller_id_number":"+14155550100"},"children":{"_":{"module":"user","data":{"id":"1002"}}}}`,
	"menu": `{"module":"menu","data":{"name":"Main","media":{"greeting":"tts://Press 1 for sales","invalid_media":false},"retries":2,"timeout":5000,"max_extension_length":1},
		"children":{"1":{"module":"user","data":{"id":"1002"}},"2":{"module":"user","data":{"id":"1003"}},
		"timeout":{"module":"hangup","data":{}},"max_retries":{"module":"response","data":{"code":404}},"_":{"module":"hangup","data":{}}}}`,
	"menu_kazoo": `{"module":"menu","data":{"id":"menu_id","interdigit_timeout":3000}}`,
	"branch": `{"module":"collect_dtmf","data":{"max_digits":4,"collection_name":"pin"},"children":{"_":{"module":"branch","data":{"collection_name":"pin"},
		"children":{"1234":{"module":"conference","data":{"id":"secret"}},"*":{"module":"hangup","data":{}},"_":{"module":"response","data":{"code":403,"message":"Wrong PIN"}}}}}}`,
	// Kazoo's presence example.
	"manual_presence": `{"module":"manual_presence","data":{"presence_id":"username","status":"ringing"}}`,
	// Kazoo's hangups example: the code as a string.
	"response": `{"module":"response","data":{"code":"486","message":"User Busy","media":"id_or_url"}}`,
	"hangup":   `{"module":"hangup","data":{}}`,
	"hangup2":  `{"module":"hangup"}`,
	"skip":     `{"module":"play","data":{"id":"x","skip_module":true},"children":{"_":{"module":"hangup","data":{}}}}`,
}
